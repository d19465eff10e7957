#include "persistence/run_states.hpp"

#include <cstddef>

namespace downhill::persistence {

namespace {

// Indexed by run_status. These names are stored in the control plane and
// shown by the API: changing one breaks existing data directories.
constexpr const char* run_status_names[] = {
  "queued", "running", "succeeded", "failed", "cancelled", "interrupted",
};

static_assert(sizeof(run_status_names) / sizeof(run_status_names[0])
                == static_cast<size_t>(run_status::interrupted) + 1,
              "every run status needs a name");

// Indexed by task_status; stored and shown like the run statuses.
constexpr const char* task_status_names[] = {
  "pending", "running", "succeeded", "failed", "cancelled",
};

static_assert(sizeof(task_status_names) / sizeof(task_status_names[0])
                == static_cast<size_t>(task_status::cancelled) + 1,
              "every task status needs a name");

template <class Enum, size_t N>
std::optional<Enum> find_name(const char* const (&names)[N],
                              std::string_view name) {
  for (size_t i = 0; i < N; ++i)
    if (name == names[i])
      return static_cast<Enum>(i);
  return std::nullopt;
}

} // namespace

const char* to_string(run_status status) {
  return run_status_names[static_cast<size_t>(status)];
}

const char* to_string(task_status status) {
  return task_status_names[static_cast<size_t>(status)];
}

std::optional<run_status> run_status_from_string(std::string_view name) {
  return find_name<run_status>(run_status_names, name);
}

std::optional<task_status> task_status_from_string(std::string_view name) {
  return find_name<task_status>(task_status_names, name);
}

} // namespace downhill::persistence
