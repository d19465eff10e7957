#pragma once

#include <chrono>
#include <cstdint>

namespace downhill {

/// Wall-clock time in milliseconds since the Unix epoch.
inline int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

} // namespace downhill
