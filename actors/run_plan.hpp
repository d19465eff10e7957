// Everything a run actor, its tasks and its finishing step need to know
// about one run, fixed when the org actor starts it.
#pragma once

#include "actors/interfaces.hpp"
#include "actors/services.hpp"
#include "persistence/fwd.hpp"

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace downhill {

inline constexpr const char* database_task_name = "Sync Database Data";
inline constexpr const char* index_task_name = "Sync Indexed Data";
inline constexpr int32_t database_task = 0;
inline constexpr int32_t index_task = 1;

struct run_plan {
  int64_t run_id = 0;
  std::string org_id;
  bool creates_environment = false;
  std::vector<int64_t> task_ids;  // database task, index task
  int64_t base_key = 0;
  int64_t base_generation = 0;
  int64_t target_key = 0;
  int64_t target_generation = 0;  // current data of a sync target
  int64_t new_generation = 0;     // what the run builds
  bool recorded_running = false;  // its rows already say running
  persistence::run_record info;   // the run as the API shows it
  org_actor org;
  services_ptr svc;

  std::filesystem::path base_dir() const {
    return svc->layout.generation_dir(base_key, base_generation);
  }
  std::filesystem::path target_dir() const {
    return svc->layout.generation_dir(target_key, target_generation);
  }
  std::filesystem::path new_dir() const {
    return svc->layout.generation_dir(target_key, new_generation);
  }
};

/// What a task actor is handed at spawn.
struct task_inputs {
  int32_t index = 0;
  std::shared_ptr<persistence::base_snapshot> snapshot;
  std::filesystem::path new_dir;
  std::shared_ptr<std::atomic<bool>> cancel;  // set by the run actor
  int64_t bytes_per_second = 0;
};

} // namespace downhill
