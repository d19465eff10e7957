// Everything that went wrong during a bench, from any thread. A benchmark
// whose runs fail measures nothing: any failure makes it exit non-zero.
#pragma once

#include <cstdint>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

namespace downhill::bench {

class failure_log {
public:
  void add(const std::string& what);
  int64_t count() const;
  /// The count and the first few messages (the rest are usually the same).
  void print(std::ostream& out) const;

private:
  static constexpr size_t kept = 10;
  mutable std::mutex mutex_;
  int64_t count_ = 0;
  std::vector<std::string> first_;
};

} // namespace downhill::bench
