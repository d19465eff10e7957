#include "http/version.hpp"

namespace downhill {

// DOWNHILL_VERSION is defined for this file alone (http/CMakeLists.txt), so
// a new version rebuilds one object.
const char* version() {
  return DOWNHILL_VERSION;
}

} // namespace downhill
