#include "tally.hpp"

#include <cstdio>
#include <sstream>

namespace downhill::soak {

namespace {

std::string stamp(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "[%7.1fs] ", seconds);
  return buf;
}

} // namespace

void tally::request(const std::string& what, int status) {
  std::lock_guard lock{mutex_};
  ++requests_[what][status];
}

void tally::fault(const std::string& what, int64_t count) {
  std::lock_guard lock{mutex_};
  faults_[what] += count;
}

void tally::checked(const std::string& invariant, int64_t count) {
  std::lock_guard lock{mutex_};
  checks_[invariant] += count;
}

void tally::violation(const std::string& what) {
  auto line = stamp(elapsed()) + what;
  std::lock_guard lock{mutex_};
  violations_.push_back(line);
  // Also right away on stderr: a long soak should not hide a crash until
  // its end.
  std::fprintf(stderr, "soak: VIOLATION %s\n", line.c_str());
}

void tally::note(const std::string& what) {
  auto line = stamp(elapsed()) + what;
  std::lock_guard lock{mutex_};
  notes_.push_back(line);
}

double tally::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now()
                                       - start_)
    .count();
}

int64_t tally::violation_count() const {
  std::lock_guard lock{mutex_};
  return static_cast<int64_t>(violations_.size());
}

int64_t tally::requests_so_far() const {
  std::lock_guard lock{mutex_};
  int64_t total = 0;
  for (auto& [what, by_status] : requests_)
    for (auto& [status, n] : by_status)
      total += n;
  return total;
}

std::string tally::report() const {
  std::lock_guard lock{mutex_};
  std::ostringstream out;
  int64_t total = 0;
  for (auto& [what, by_status] : requests_)
    for (auto& [status, n] : by_status)
      total += n;
  out << "requests sent: " << total << "\n";
  for (auto& [what, by_status] : requests_) {
    int64_t n_class = 0;
    for (auto& [status, n] : by_status)
      n_class += n;
    out << "  " << what << ": " << n_class << " (";
    bool first = true;
    for (auto& [status, n] : by_status) {
      out << (first ? "" : ", ")
          << (status == 0 ? std::string{"no answer"} : std::to_string(status))
          << " x" << n;
      first = false;
    }
    out << ")\n";
  }
  out << "faults injected:\n";
  for (auto& [what, n] : faults_)
    out << "  " << what << ": " << n << "\n";
  out << "invariants checked:\n";
  for (auto& [what, n] : checks_)
    out << "  " << what << ": " << n << "\n";
  if (!notes_.empty()) {
    out << "notes:\n";
    for (auto& line : notes_)
      out << "  " << line << "\n";
  }
  out << "violations: " << violations_.size() << "\n";
  // Every violation is printed: each one is a server bug to fix (or a soak
  // bug), and a truncated list would hide which.
  for (auto& line : violations_)
    out << "  " << line << "\n";
  return out.str();
}

} // namespace downhill::soak
