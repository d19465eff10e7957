#include "persistence/job_type.hpp"

#include <cstddef>
#include <iterator>

namespace downhill::persistence {

namespace {

// Indexed by job_type. Stored in the control plane and named by the API:
// changing one breaks existing data directories and clients.
constexpr const char* job_type_names[] = {
  "create_environment",
  "sync_environments",
};

static_assert(sizeof(job_type_names) / sizeof(job_type_names[0])
                == static_cast<size_t>(job_type::sync_environments) + 1,
              "every job type needs a name");

} // namespace

const char* to_string(job_type type) {
  return job_type_names[static_cast<size_t>(type)];
}

std::optional<job_type> job_type_from_string(std::string_view name) {
  for (size_t i = 0; i < std::size(job_type_names); ++i)
    if (name == job_type_names[i])
      return static_cast<job_type>(i);
  return std::nullopt;
}

} // namespace downhill::persistence
