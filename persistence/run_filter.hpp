// Which runs a page of the runs list holds (GET .../runs?status=&job=&...).
// Every field is optional; the page holds the runs that match all of the
// given ones.
#pragma once

#include "persistence/run_states.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace downhill::persistence {

struct run_filter {
  std::optional<run_status> status;
  int64_t job_id = 0;       // 0: any job
  std::string name;         // the job's name, exactly; empty: any
  std::string environment;  // the job's base or target alias; empty: any
  std::string trigger;      // manual | schedule; empty: any
};

} // namespace downhill::persistence
