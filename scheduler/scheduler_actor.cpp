#include "scheduler/scheduler_actor.hpp"

#include "actors/clock.hpp"
#include "metrics/server_metrics.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace downhill {

namespace {

using scheduler_pointer = scheduler_actor::stateful_pointer<scheduler_state>;
using persistence::job_state;
using namespace std::chrono;

scheduler::time_point to_point(int64_t ms) {
  return scheduler::time_point{seconds{ms / 1000}};
}

int64_t to_ms(scheduler::time_point t) {
  return duration_cast<milliseconds>(t.time_since_epoch()).count();
}

/// The next firing strictly after `after_ms`, or 0 if there is none.
int64_t next_after(const scheduled_job& job, int64_t after_ms) {
  auto next = scheduler::next_fire(job.spec->schedule, to_point(after_ms),
                                   to_point(job.anchor));
  return next ? to_ms(*next) : 0;
}

persistence::schedule_state state_of(const scheduled_job& job,
                                     int64_t fired_at) {
  return {job.spec->job_id,
          job.paused ? job_state::paused : job_state::active,
          job.next_run_at, fired_at};
}

/// Keeps exactly one timer, for the earliest due item.
void arm(scheduler_pointer self) {
  auto& st = self->state;
  if (st.due.empty() || st.due.begin()->first >= st.timer_due)
    return;
  st.timer_due = st.due.begin()->first;
  auto wait = std::max<int64_t>(0, st.timer_due - st.clock());
  self->delayed_send(self, milliseconds{wait}, tick_atom::value, ++st.timer);
}

void enqueue(scheduler_pointer self, scheduled_job& job) {
  ++job.version;
  if (!job.paused && job.next_run_at != 0)
    self->state.due[job.next_run_at].push_back({job.spec->job_id,
                                                    job.version});
  arm(self);
}

/// Fires every due job: one message per organization with all of its
/// firings of this pass, and one message to the writer with all of their
/// new scheduling states, sent first (so they are in the writer's mailbox
/// before any run an organization creates for them: a crash never leaves a
/// run whose slot would fire again).
void fire_due(scheduler_pointer self) {
  auto& st = self->state;
  auto now = st.clock();
  // By organization (each handle once); the orgs of one pass are few
  // next to its firings.
  std::unordered_map<std::string, std::pair<fire_target, firing_batch>> out;
  std::vector<persistence::schedule_state> states;
  auto& lateness = metrics::server().firing_lateness.get();
  while (!st.due.empty() && st.due.begin()->first <= now) {
    // Taken out whole: the jobs' next instants are later, so they go to
    // other buckets, never this one.
    auto bucket = st.due.extract(st.due.begin());
    auto planned = bucket.key();
    for (auto& item : bucket.mapped()) {
      auto i = st.jobs.find(item.job_id);
      if (i == st.jobs.end() || i->second.version != item.version)
        continue; // paused, resumed, or deleted since
      auto& job = i->second;
      auto& target = out[job.org_id];
      target.first = job.org;
      target.second.push_back({job.spec, planned});
      lateness.observe((now - planned) / 1000.0);
      // A slot missed while the server was down fires once, now; the next
      // one is computed from now, so no burst of missed slots follows.
      job.next_run_at = next_after(job, std::max(now, planned));
      if (st.writer)
        states.push_back(state_of(job, planned));
      ++job.version;
      if (job.next_run_at != 0)
        st.due[job.next_run_at].push_back({item.job_id, job.version});
    }
  }
  if (!states.empty())
    self->send(st.writer, persist_atom::value, std::move(states));
  for (auto& [org_id, target] : out)
    if (target.first)
      self->send(target.first, fire_atom::value, std::move(target.second));
}

/// Holds `job` (replacing an earlier registration of its id) and plans its
/// next firing. The schedule arrives parsed (job_spec): nothing to validate.
void add(scheduler_pointer self, recurring_job& job) {
  auto& entry = self->state.jobs[job.spec.job_id];
  entry.spec = std::make_shared<const job_spec>(std::move(job.spec));
  entry.org_id = std::move(job.org_id);
  entry.org = std::move(job.org);
  entry.anchor = job.anchor;
  entry.next_run_at = job.next_run_at;
  entry.paused = job.paused;
  enqueue(self, entry);
}

api_error unknown_job(int64_t id) {
  return make_error(error_code::not_found,
                    "No recurring job " + std::to_string(id) + ".");
}

/// Commits a pause, resume or delete before answering, so the API shows it.
caf::result<api_error> persist_now(scheduler_pointer self,
                                   persistence::schedule_state state) {
  if (!self->state.writer)
    return api_error{};
  auto promise = self->make_response_promise<api_error>();
  self
    ->request(self->state.writer, caf::infinite, persist_atom::value,
              std::move(state), durable_atom::value)
    .then([=](api_error& e) mutable { promise.deliver(std::move(e)); },
          [=](caf::error& e) mutable {
            // The change holds in memory; only its record failed. Say so
            // rather than stop the scheduler (every organization's jobs).
            promise.deliver(make_error(error_code::internal,
                                       "The recurring job's new state could "
                                       "not be stored: "
                                         + caf::to_string(e) + "."));
          });
  return promise;
}

} // namespace

scheduler_actor::behavior_type
recurring_scheduler(scheduler_pointer self, control_plane_writer_actor writer,
          std::function<int64_t()> clock) {
  self->state.writer = std::move(writer);
  self->state.clock = clock ? std::move(clock) : std::function<int64_t()>{now_ms};
  return {
    [=](register_atom, recurring_job& job) { add(self, job); },
    [=](pause_atom, int64_t id) -> caf::result<api_error> {
      auto i = self->state.jobs.find(id);
      if (i == self->state.jobs.end())
        return unknown_job(id);
      auto& job = i->second;
      job.paused = true;
      job.next_run_at = 0;
      enqueue(self, job);
      return persist_now(self, {id, job_state::paused, 0, 0});
    },
    [=](resume_atom, int64_t id) -> caf::result<api_error> {
      auto i = self->state.jobs.find(id);
      if (i == self->state.jobs.end())
        return unknown_job(id);
      auto& job = i->second;
      if (job.paused) {
        job.paused = false;
        job.next_run_at = next_after(job, self->state.clock());
        enqueue(self, job);
      }
      return persist_now(self, {id, job_state::active, job.next_run_at,
                                0});
    },
    [=](remove_atom, int64_t id) -> caf::result<api_error> {
      if (self->state.jobs.erase(id) == 0)
        return unknown_job(id);
      return persist_now(self, {id, job_state::deleted, 0, 0});
    },
    [=](register_atom, const std::string& org_id, fire_target& org) {
      for (auto& [id, job] : self->state.jobs)
        if (job.org_id == org_id)
          job.org = org;
    },
    [=](tick_atom, uint64_t timer) {
      auto& st = self->state;
      if (timer != st.timer)
        return; // superseded by a timer for an earlier job
      st.timer_due = INT64_MAX;
      fire_due(self);
      arm(self);
    },
    [=](register_atom, std::vector<recurring_job>& jobs) {
      for (auto& job : jobs)
        add(self, job);
    },
  };
}

} // namespace downhill
