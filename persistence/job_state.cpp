#include "persistence/job_state.hpp"

#include "persistence/name_table.hpp"

namespace downhill::persistence {

namespace {

// Stored in the control plane (and named in its statements' SQL) and shown
// by the API: changing a name breaks existing data directories and clients.
constexpr auto names =
  name_table<job_state, job_state::deleted>::of({
    "once",
    "active",
    "paused",
    "deleted",
  });

} // namespace

const char* to_string(job_state state) {
  return names.name(state);
}

std::optional<job_state> job_state_from_string(std::string_view name) {
  return names.value(name);
}

} // namespace downhill::persistence
