#include "persistence/job_type.hpp"

#include "persistence/name_table.hpp"

namespace downhill::persistence {

namespace {

// Stored in the control plane and named by the API: changing a name breaks
// existing data directories and clients.
constexpr auto names =
  name_table<job_type, job_type::sync_environments>::of({
    "create_environment",
    "sync_environments",
  });

} // namespace

const char* to_string(job_type type) {
  return names.name(type);
}

std::optional<job_type> job_type_from_string(std::string_view name) {
  return names.value(name);
}

} // namespace downhill::persistence
