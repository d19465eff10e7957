// The plain structs that travel between downhill's actors. They are plain
// C++ so that the HTTP layer can use them without compiling CAF; their
// `inspect` overloads, which CAF needs to print and serialize them, are in
// actors/message_inspect.hpp (included by actors/interfaces.hpp).
#pragma once

#include "actors/api_error.hpp"
#include "actors/frame_kind.hpp"
#include "actors/job_rules.hpp"
#include "persistence/records.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace downhill {

/// An environment as the API lists it.
struct environment_view {
  std::string id;
  std::string display_name;
  std::string parent;  // empty for main
  persistence::environment_status status =
    persistence::environment_status::ready;
  int64_t created_at = 0;
  int64_t locked_by_run = 0;
};

/// The org actor's answer to a job submission.
struct submit_reply {
  api_error error;
  int64_t job_id = 0;
  int64_t run_id = 0;
};

/// The org actor's answer to "may I touch this environment's content?".
/// On success `key` names the environment's files.
struct content_grant {
  api_error error;
  int64_t key = 0;
};

/// A task's progress in one phase ("clone", "snapshot", "restore").
struct progress_update {
  int32_t task = 0;  // index of the task in its run
  std::string phase;
  int32_t percent = 0;
};

/// A log line a task wants in its run's log (warnings, errors, details).
struct task_log {
  int32_t task = 0;
  persistence::run_log_level level = persistence::run_log_level::info;
  std::string message;
};

/// How a task ended: succeeded, failed (with a message) or cancelled.
struct task_outcome {
  int32_t task = 0;
  persistence::task_status status = persistence::task_status::succeeded;
  std::string message;
};

/// One frame of a run's live events (docs/api.md, "WebSocket events"), serialized
/// once by the run actor for every subscriber.
struct event_frame {
  std::string org_id;
  int64_t run_id = 0;
  frame_kind kind = frame_kind::run;
  int64_t seq = 0;    // log frames: the log line's number
  std::string task;   // progress frames: frames of one task coalesce
  std::shared_ptr<const std::string> text;
  bool final = false;  // the run's last frame, sent once all is durable
};

/// A frame as the event hub hands it out: one object for every subscriber,
/// never copied per client.
using shared_frame = std::shared_ptr<const event_frame>;

/// Where the event hub hands frames for one subscriber. It must not block:
/// a WebSocket session's sink posts the frame to the session's strand.
using event_sink = std::function<void(const shared_frame&)>;

/// A WebSocket session's interest: one run (run_id) or an organization
/// (run_id 0).
struct subscription {
  uint64_t id = 0;
  std::string org_id;
  int64_t run_id = 0;
  int64_t after = 0;  // a run stream wants the log lines after this one
  event_sink deliver;
};

/// The writer's answer to creating a run.
struct created_run_reply {
  api_error error;
  persistence::created_run run;
};

/// The writer's answer to creating a recurring job.
struct created_job_reply {
  api_error error;
  int64_t job_id = 0;
};

/// An organization as the control plane holds it: what an org actor is
/// built from, at start-up and when it replaces one that stopped.
struct org_snapshot {
  api_error error;
  std::vector<persistence::environment_record> environments;
  std::vector<int64_t> recurring_jobs;  // active or paused
  /// Queued or running runs. Empty at start-up (recovery ended them); after
  /// an org actor stopped, the runs it left, which its successor ends.
  std::vector<persistence::unfinished_run> unfinished_runs;
};

/// One due slot of a recurring job, as the scheduler hands it to the job's
/// organization. The spec is shared, not copied per firing: a job may fire
/// every second, and its spec does not change while the scheduler holds it.
struct scheduled_firing {
  std::shared_ptr<const job_spec> spec;
  int64_t planned = 0;  // the slot, ms since the epoch
};

/// One scheduler pass's firings for one organization, oldest first.
using firing_batch = std::vector<scheduled_firing>;

/// The writer's answer to creating an organization.
struct created_org_reply {
  api_error error;
  persistence::environment_record main_environment;
};

} // namespace downhill
