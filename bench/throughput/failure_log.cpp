#include "throughput/failure_log.hpp"

namespace downhill::bench {

void failure_log::add(const std::string& what) {
  std::lock_guard<std::mutex> lock{mutex_};
  ++count_;
  if (first_.size() < kept)
    first_.push_back(what);
}

int64_t failure_log::count() const {
  std::lock_guard<std::mutex> lock{mutex_};
  return count_;
}

void failure_log::print(std::ostream& out) const {
  std::lock_guard<std::mutex> lock{mutex_};
  out << count_ << " failure(s)";
  if (count_ > static_cast<int64_t>(first_.size()))
    out << ", the first " << first_.size();
  out << ":\n";
  for (auto& f : first_)
    out << "  - " << f << "\n";
}

} // namespace downhill::bench
