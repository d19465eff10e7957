#include "persistence/run_log_level.hpp"

#include <cstddef>
#include <iterator>

namespace downhill::persistence {

namespace {

// Indexed by run_log_level. Stored in the control plane and shown by the
// API: changing one breaks existing data directories and clients.
constexpr const char* run_log_level_names[] = {
  "info",
  "warning",
  "error",
};

static_assert(sizeof(run_log_level_names) / sizeof(run_log_level_names[0])
                == static_cast<size_t>(run_log_level::error) + 1,
              "every run log level needs a name");

} // namespace

const char* to_string(run_log_level level) {
  return run_log_level_names[static_cast<size_t>(level)];
}

std::optional<run_log_level> run_log_level_from_string(std::string_view name) {
  for (size_t i = 0; i < std::size(run_log_level_names); ++i)
    if (name == run_log_level_names[i])
      return static_cast<run_log_level>(i);
  return std::nullopt;
}

} // namespace downhill::persistence
