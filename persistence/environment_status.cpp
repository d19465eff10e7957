#include "persistence/environment_status.hpp"

#include "persistence/name_table.hpp"

namespace downhill::persistence {

namespace {

// Stored in the control plane and shown by the API: changing a name breaks
// existing data directories and clients.
constexpr auto names =
  name_table<environment_status, environment_status::locked>::of({
    "ready",
    "creating",
    "locked",
  });

} // namespace

const char* to_string(environment_status status) {
  return names.name(status);
}

std::optional<environment_status>
environment_status_from_string(std::string_view name) {
  return names.value(name);
}

} // namespace downhill::persistence
