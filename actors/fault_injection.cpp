#include "actors/fault_injection.hpp"

#include <cstdlib>
#include <mutex>
#include <set>
#include <sstream>
#include <string>

namespace downhill {

namespace {

/// The faults DOWNHILL_FAULT_AT names that have not happened yet.
struct armed_faults {
  armed_faults() {
    if (const char* value = std::getenv("DOWNHILL_FAULT_AT")) {
      std::istringstream list{value};
      for (std::string name; std::getline(list, name, ',');)
        if (!name.empty())
          names.insert(name);
    }
    any = !names.empty();
  }
  bool any = false;
  std::mutex mutex;
  std::set<std::string> names;
};

} // namespace

bool inject_fault(const char* name) {
  static armed_faults armed;
  if (!armed.any)
    return false;
  std::lock_guard<std::mutex> lock{armed.mutex};
  return armed.names.erase(name) == 1;
}

} // namespace downhill
