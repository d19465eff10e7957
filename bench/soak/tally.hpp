// What the soak did and what it found, shared by every thread: requests sent
// (by class and answer), faults injected, invariants checked, violations.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace downhill::soak {

class tally {
public:
  tally() : start_(std::chrono::steady_clock::now()) {}

  /// One request of class `what` and its answer: an HTTP status, or 0 when
  /// none came (connection refused or cut, e.g. while the server restarts).
  void request(const std::string& what, int status);
  /// One injected fault (a kill, a hostile request, a vanished client).
  void fault(const std::string& what, int64_t count = 1);
  /// One invariant checked (whatever its outcome).
  void checked(const std::string& invariant, int64_t count = 1);
  /// Something the server must never do. Printed at the end; the soak then
  /// exits non-zero.
  void violation(const std::string& what);
  /// Something worth knowing that is not a broken promise.
  void note(const std::string& what);

  /// Seconds since the soak started, for time stamps in messages.
  double elapsed() const;
  int64_t violation_count() const;
  int64_t requests_so_far() const;

  /// The whole report, one section per kind of number.
  std::string report() const;

private:
  mutable std::mutex mutex_;
  std::chrono::steady_clock::time_point start_;
  std::map<std::string, std::map<int, int64_t>> requests_;
  std::map<std::string, int64_t> faults_;
  std::map<std::string, int64_t> checks_;
  std::vector<std::string> violations_;
  std::vector<std::string> notes_;
};

} // namespace downhill::soak
