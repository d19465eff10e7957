#include "persistence/environment_status.hpp"

#include <cstddef>
#include <iterator>

namespace downhill::persistence {

namespace {

// Indexed by environment_status. Stored in the control plane and shown by
// the API: changing one breaks existing data directories and clients.
constexpr const char* environment_status_names[] = {
  "ready",
  "creating",
  "locked",
};

static_assert(sizeof(environment_status_names)
                  / sizeof(environment_status_names[0])
                == static_cast<size_t>(environment_status::locked) + 1,
              "every environment status needs a name");

} // namespace

const char* to_string(environment_status status) {
  return environment_status_names[static_cast<size_t>(status)];
}

std::optional<environment_status>
environment_status_from_string(std::string_view name) {
  for (size_t i = 0; i < std::size(environment_status_names); ++i)
    if (name == environment_status_names[i])
      return static_cast<environment_status>(i);
  return std::nullopt;
}

} // namespace downhill::persistence
