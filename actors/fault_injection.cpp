#include "actors/fault_injection.hpp"

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace downhill {

bool inject_fault(const char* name) {
  static const char* armed = std::getenv("DOWNHILL_FAULT_AT");
  static std::atomic<bool> spent{false};
  if (armed == nullptr || std::strcmp(armed, name) != 0)
    return false;
  return !spent.exchange(true);
}

} // namespace downhill
