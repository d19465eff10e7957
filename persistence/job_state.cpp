#include "persistence/job_state.hpp"

#include <cstddef>
#include <iterator>

namespace downhill::persistence {

namespace {

// Indexed by job_state. Stored in the control plane (and named in its
// statements' SQL) and shown by the API: changing one breaks existing data
// directories and clients.
constexpr const char* job_state_names[] = {
  "once",
  "active",
  "paused",
  "deleted",
};

static_assert(sizeof(job_state_names) / sizeof(job_state_names[0])
                == static_cast<size_t>(job_state::deleted) + 1,
              "every job state needs a name");

} // namespace

const char* to_string(job_state state) {
  return job_state_names[static_cast<size_t>(state)];
}

std::optional<job_state> job_state_from_string(std::string_view name) {
  for (size_t i = 0; i < std::size(job_state_names); ++i)
    if (name == job_state_names[i])
      return static_cast<job_state>(i);
  return std::nullopt;
}

} // namespace downhill::persistence
