#include "persistence/run_log_level.hpp"

#include "persistence/name_table.hpp"

namespace downhill::persistence {

namespace {

// Stored in the control plane and shown by the API: changing a name breaks
// existing data directories and clients.
constexpr auto names =
  name_table<run_log_level, run_log_level::error>::of({
    "info",
    "warning",
    "error",
  });

} // namespace

const char* to_string(run_log_level level) {
  return names.name(level);
}

std::optional<run_log_level> run_log_level_from_string(std::string_view name) {
  return names.value(name);
}

} // namespace downhill::persistence
