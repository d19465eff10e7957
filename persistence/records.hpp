// Plain records of the control plane. Times are milliseconds since the Unix
// epoch (0 where the API shows null); the HTTP layer formats them.
#pragma once

#include "persistence/environment_status.hpp"
#include "persistence/job_state.hpp"
#include "persistence/job_type.hpp"
#include "persistence/run_log_level.hpp"
#include "persistence/run_states.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace downhill::persistence {

struct org_record {
  std::string id;
  std::string name;
  int64_t created_at = 0;
};

struct user_record {
  std::string org_id;
  std::string name;
  std::string token_hash;
};

struct environment_record {
  int64_t key = 0;         // internal number: names its files on disk
  std::string org_id;
  std::string id;          // the alias users see
  std::string display_name;
  std::string parent;      // empty for main
  environment_status status = environment_status::ready;  // or creating
  int64_t generation = 1;  // current generation directory
  int64_t created_at = 0;
};

struct job_record {
  int64_t id = 0;
  std::string org_id;
  std::string name;
  job_type type = job_type::sync_environments;
  std::string base_environment;
  std::string target_environment; // the new environment for create
  std::string display_name;       // create only
  std::string schedule_json;      // {"kind":"now"} or a recurring schedule
  job_state state = job_state::once;
  std::string created_by;
  int64_t created_at = 0;
  int64_t latest_run_id = 0;      // 0 when the job has no runs
  int64_t next_run_at = 0;        // recurring and active: next firing
  int64_t last_fired_at = 0;      // recurring: the last slot it fired for
  // Firings skipped because a run of this job was already waiting (at most
  // one waits per recurring job), the last one's time and why.
  int64_t skipped_firings = 0;
  int64_t last_skipped_at = 0;    // 0: never skipped
  std::string last_skip_reason;
};

/// One firing of a recurring job that created no run.
struct skipped_firing {
  int64_t job_id = 0;
  int64_t at = 0;
  std::string reason;
  int64_t count = 1;  // several of one job, the last one's time and reason
};

/// A recurring job's scheduling state, as the scheduler changes it.
struct schedule_state {
  int64_t job_id = 0;
  job_state state = job_state::active;  // or paused, deleted
  int64_t next_run_at = 0;    // 0 while paused or deleted
  int64_t last_fired_at = 0;  // 0: unchanged
};

struct task_record {
  int64_t id = 0;
  std::string name;
  task_status status = task_status::pending;
  std::string phase;   // clone | snapshot | restore
  int64_t percent = 0;
};

struct run_record {
  int64_t id = 0;
  int64_t job_id = 0;
  std::string org_id;
  std::string name;
  job_type type = job_type::sync_environments;
  run_status status = run_status::queued;
  std::string trigger;     // manual | schedule
  std::string created_by;
  std::string base_environment;
  std::string target_environment;
  int64_t total_logs = 0;
  int64_t total_errors = 0;
  int64_t total_warnings = 0;
  int64_t created_at = 0;
  int64_t started_at = 0;
  int64_t finished_at = 0;
  int64_t scheduled_at = 0;  // a firing's planned slot; 0 for manual runs
  std::vector<task_record> tasks;
};

struct log_record {
  int64_t seq = 0;     // 0 when written: the next number of its run
  std::string task;
  run_log_level level = run_log_level::info;
  std::string message;
  int64_t at = 0;
};

/// What changed in a run since it was last persisted, written in one
/// transaction. A run actor sends these in batches, so that a run writing
/// hundreds of log lines costs a handful of commits.
struct run_progress {
  int64_t run_id = 0;
  std::vector<log_record> logs;
  std::vector<task_record> tasks;  // latest state of changed tasks
  std::optional<run_status> status;  // empty: unchanged
  int64_t started_at = 0;          // 0: unchanged
  int64_t finished_at = 0;         // 0: unchanged
  // The environment switch, committed with the run's final status so that
  // the two can never disagree after a crash.
  int64_t environment_key = 0;     // the target; 0: no change
  int64_t switch_generation = 0;   // 0: no switch
  bool mark_environment_ready = false;
  bool delete_environment = false; // a Create that did not succeed
  /// Tasks still pending or running end `cancelled` (a run that ends
  /// without its run actor: never started, or its actor is gone).
  bool close_open_tasks = false;
};

/// A run that is queued or running as the control plane holds it; an
/// organization's new actor ends the ones its predecessor left behind.
struct unfinished_run {
  int64_t run_id = 0;
  run_status status = run_status::queued;  // queued | running
  job_type type = job_type::sync_environments;
  std::string base_environment;
  std::string target_environment;
};

/// A run left running or queued by a process that died.
struct interrupted_run {
  int64_t run_id = 0;
  std::string org_id;
};

/// A new run and its job, created in one transaction.
struct new_run {
  job_record job;          // id 0: create the job too
  std::string trigger;
  std::string created_by;
  std::vector<std::string> task_names;
  run_status status = run_status::queued;  // queued | running
  /// Create Environment: the new environment's row (status creating).
  bool creates_environment = false;
  environment_record new_environment;
  int64_t scheduled_at = 0;  // a firing's planned slot (ms); 0: manual
  /// When the server took the run (a firing: when its organization took
  /// it, not when the batch it is in was committed); 0: at its insert.
  int64_t created_at = 0;
};

/// What `insert_run` created: the ids the caller goes on with.
struct created_run {
  int64_t job_id = 0;
  int64_t run_id = 0;
  int64_t new_environment_key = 0;
  std::vector<int64_t> task_ids;  // in the order of new_run::task_names
  int64_t created_at = 0;
  int64_t scheduled_at = 0;  // as in new_run
};

} // namespace downhill::persistence
