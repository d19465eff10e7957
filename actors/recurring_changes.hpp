// What a user may do to a recurring job: the org actor receives it as the
// job's new state (persistence::job_state: paused, active again, deleted).
// And the answer for a job this organization does not hold.
#pragma once

#include "actors/api_error.hpp"

#include <cstdint>
#include <string>

namespace downhill {

/// 404: not a recurring job (active or paused) of this organization.
inline api_error no_recurring_job(int64_t job_id) {
  return make_error(error_code::not_found,
                    "No recurring job " + std::to_string(job_id) + ".");
}

} // namespace downhill
