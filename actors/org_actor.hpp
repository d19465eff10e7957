#pragma once

#include "actors/interfaces.hpp"
#include "actors/services.hpp"

#include <caf/typed_response_promise.hpp>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace downhill {

/// The run an organization is executing now.
struct active_run {
  int64_t run_id = 0;
  run_actor handle;
  std::string target;  // the environment it writes (locked meanwhile)
  std::string base;    // the environment it reads (stays usable)
  /// Started by this organization's previous actor, which stopped
  /// unexpectedly; it ends interrupted.
  bool adopted = false;
  /// Its end (or switch) is being committed; it is released once that is
  /// durable. Meanwhile, what concerns it waits in org_state::after_end.
  bool ending = false;
  /// Its run actor stopped while its end was being committed: should that
  /// commit fail (the run not released), the run ends as a dead one.
  std::optional<caf::error> gone = std::nullopt;
};

/// A request that waits in org_state::after_end: `answer` handles it as if
/// it had just come; `refuse` answers it with an error when this actor
/// stops first (a promise CAF 0.17 would otherwise drop unanswered).
struct waiting_request {
  std::function<void()> answer;
  std::function<void()> refuse;
};

/// A firing whose run is being recorded (the org actor's batch insert is
/// on its way): its spec, and why its job no longer holds, if it does not
/// (the run is then recorded and fails at once, saying why).
struct recording_firing {
  std::shared_ptr<const job_spec> spec;
  api_error invalid;
};

/// Recurring jobs one organization may hold (active or paused). With at
/// most one waiting run per recurring job, this also bounds its queue.
inline constexpr size_t max_recurring_jobs_per_org = 100;

struct org_state {
  static inline const char* name = "org";

  std::string org_id;
  /// The organization's environment tree, by id. This actor is its only
  /// owner: every rule is checked against it, every change goes through it.
  std::map<std::string, persistence::environment_record> environments;
  std::optional<active_run> active;
  /// Scheduled runs that fired while another job was active, oldest first.
  /// Their rows exist (status queued); they are checked again at start.
  /// At most one per recurring job: a firing while its job's run waits is
  /// skipped (counted on the job), so the queue stays short.
  std::deque<std::pair<job_spec, persistence::created_run>> queue;
  /// The organization's recurring jobs (active or paused), for the cap.
  std::set<int64_t> recurring_jobs;
  /// Recurring jobs with a firing's run being recorded: that run counts as
  /// waiting (a firing of the job meanwhile is skipped).
  std::set<int64_t> recording;
  /// Recurring jobs paused through this actor: a firing the scheduler sent
  /// before it took the pause, arriving after it, is dropped.
  std::set<int64_t> paused_jobs;
  /// What waits for a job's run to be recorded (a pause or delete of it).
  std::multimap<int64_t, std::function<void()>> after_recording;
  /// What waits for the active run's end to be committed: a run-now
  /// submission, a request on its target (content, delete), another end of
  /// the run. The commit is not awaited, so firings, lists and other
  /// environments go on meanwhile; these are answered once the run is
  /// released, oldest first, as if they had come after it. Bounded by the
  /// requests in flight per organization.
  std::deque<waiting_request> after_end;
  /// A request answered from after_end awaits the writer (a run-now run's
  /// rows, an environment's deletion): the rest of after_end waits for it,
  /// as it would have waited in the mailbox.
  bool awaiting = false;
  services_ptr svc;
  /// Set once the server stops: new jobs are refused, and these promises
  /// (one per shutdown request) are delivered when the active run has ended.
  bool closing = false;
  std::vector<caf::typed_response_promise<bool>> closed;
};

/// One per organization, built from the organization as the control plane
/// holds it. When it replaces an org actor that stopped, the snapshot's
/// unfinished runs are that actor's leftovers: the running one, if its run
/// actor still lives, is adopted (it stops at a safe point and ends
/// interrupted); every other one ends interrupted at once.
org_actor::behavior_type
organization(org_actor::stateful_pointer<org_state> self, std::string org_id,
             org_snapshot snapshot, services_ptr svc);

} // namespace downhill
