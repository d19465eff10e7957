#include "persistence/run_states.hpp"

#include "persistence/name_table.hpp"

namespace downhill::persistence {

namespace {

// Stored in the control plane and shown by the API: changing a name breaks
// existing data directories and clients.
constexpr auto run_status_names =
  name_table<run_status, run_status::interrupted>::of({
    "queued",
    "running",
    "succeeded",
    "failed",
    "cancelled",
    "interrupted",
  });

constexpr auto task_status_names =
  name_table<task_status, task_status::cancelled>::of({
    "pending",
    "running",
    "succeeded",
    "failed",
    "cancelled",
  });

} // namespace

const char* to_string(run_status status) {
  return run_status_names.name(status);
}

const char* to_string(task_status status) {
  return task_status_names.name(status);
}

std::optional<run_status> run_status_from_string(std::string_view name) {
  return run_status_names.value(name);
}

std::optional<task_status> task_status_from_string(std::string_view name) {
  return task_status_names.value(name);
}

} // namespace downhill::persistence
