#include "persistence/crash_points.hpp"

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

namespace downhill::persistence {

void crash_point(const char* name) {
  static const char* armed = std::getenv("DOWNHILL_CRASH_AT");
  if (armed != nullptr && std::strcmp(armed, name) == 0)
    ::kill(::getpid(), SIGKILL);
}

} // namespace downhill::persistence
