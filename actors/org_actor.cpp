#include "actors/org_actor.hpp"

#include "actors/fault_injection.hpp"
#include "actors/frame_text.hpp"
#include "actors/job_records.hpp"
#include "actors/recurring_changes.hpp"
#include "actors/run_actor.hpp"
#include "actors/server_log.hpp"
#include "persistence/record_json.hpp"
#include "metrics/server_metrics.hpp"
#include "scheduler/schedule.hpp"

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/sec.hpp>
#include <caf/spawn_options.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace downhill {

namespace {

using org_pointer = org_actor::stateful_pointer<org_state>;
using persistence::environment_status;
using persistence::job_state;
using persistence::run_log_level;
using persistence::run_status;

environment_parents parents_of(const org_state& st) {
  environment_parents tree;
  for (auto& [id, env] : st.environments)
    tree.emplace(id, env.parent);
  return tree;
}

api_error job_in_progress(int64_t run_id) {
  auto e = make_error(error_code::job_in_progress,
                      "Run " + std::to_string(run_id)
                        + " is already running in this organization; only "
                          "one environment job runs at a time. Wait for it "
                          "to finish (or cancel it) and submit again.");
  e.run_id = run_id;
  return e;
}

api_error environment_locked(const std::string& env, int64_t run_id) {
  auto e = make_error(error_code::environment_locked,
                      "Environment '" + env + "' is being written by run "
                        + std::to_string(run_id)
                        + "; it is usable again when the run ends.");
  e.run_id = run_id;
  return e;
}

environment_status status_of(const org_state& st,
                             const persistence::environment_record& env) {
  if (env.status == environment_status::creating)
    return environment_status::creating;
  if (st.active && st.active->target == env.id)
    return environment_status::locked;
  return env.status;
}

persistence::new_run make_new_run(const org_state& st, const job_spec& spec) {
  persistence::new_run run;
  run.job = job_record_of(spec, st.org_id);
  run.trigger = spec.trigger;
  run.created_by = spec.created_by;
  run.task_names = {database_task_name, index_task_name};
  run.status = run_status::running;  // started as soon as its rows exist
  if (spec.type == persistence::job_type::create_environment) {
    run.creates_environment = true;
    run.new_environment = new_environment_of(spec, st.org_id);
  }
  return run;
}

void release_run(org_pointer self, bool succeeded);
void start_next_queued(org_pointer self);

/// True while the active run's end is being committed (commit_end): what
/// concerns that run then waits in after_end instead of being answered as
/// if it still ran.
bool ending(const org_state& st) {
  return st.active && st.active->ending;
}

/// True if run `run_id` is the active one.
bool is_active(const org_state& st, int64_t run_id) {
  return st.active && st.active->run_id == run_id;
}

/// True while the active run, whose end is being committed, writes `env`:
/// a request on `env` then waits for the end (after_end).
bool ending_on(const org_state& st, const std::string& env) {
  return ending(st) && st.active->target == env;
}

/// What a request that waited for a run's end gets when this actor stops
/// before it could be answered (its successor takes the next one).
api_error org_stopped() {
  return make_error(error_code::unavailable,
                    "The organization's actor stopped while this request "
                    "waited for a run's end; it is restarted. Send the "
                    "request again.");
}

/// Queues a request until the active run's end is committed (after_end).
void wait_for_end(org_state& st, std::function<void()> answer,
                  std::function<void()> refuse) {
  st.after_end.push_back({std::move(answer), std::move(refuse)});
}

void end_dead_run(org_pointer self, const caf::error& reason);

/// Answers what waited in after_end, oldest first, while nothing makes it
/// wait again: a run's end being committed, or an awaited writer request of
/// one of them (awaiting). Then a run whose actor stopped while its end was
/// committed, and which neither that commit nor an end that waited
/// released, ends as a dead run.
void answer_after_end(org_pointer self) {
  auto& st = self->state;
  while (!st.after_end.empty() && !ending(st) && !st.awaiting) {
    auto next = std::move(st.after_end.front());
    st.after_end.pop_front();
    next.answer();
  }
  if (st.active && st.active->gone && !ending(st) && !st.awaiting)
    end_dead_run(self, *st.active->gone);
}

/// This actor stops (a handler threw): what waited is answered now rather
/// than left to the askers' timeouts.
void refuse_after_end(org_pointer self) {
  auto waiting = std::move(self->state.after_end);
  self->state.after_end.clear();
  for (auto& request : waiting)
    request.refuse();
}

/// Ends a run that never started: failed, with an error line saying why.
void fail_queued_run(org_pointer self, int64_t run_id,
                     const std::string& why) {
  persistence::run_progress failed;
  failed.run_id = run_id;
  failed.status = run_status::failed;
  failed.finished_at = now_ms();
  failed.logs.push_back({0, "", run_log_level::error,
                         "This scheduled run cannot start: " + why
                           + " The recurring job stays scheduled.",
                         now_ms()});
  self->send(self->state.svc->writer, persist_atom::value, std::move(failed));
}

/// The answer to a request this actor made that came back as a CAF error
/// (the writer failed or stopped): said in the API's terms.
api_error actor_failure(const std::string& what, const caf::error& err) {
  return make_error(error_code::internal,
                    what + " failed (" + caf::to_string(err) + ").");
}

/// One line on the server's log, naming the organization.
void server_log(const org_state& st, log_level level, const std::string& line) {
  log_line(level, "org " + st.org_id + ": " + line);
}

/// The final progress of a run that never started (or whose actor is
/// gone): its status, one log line saying why, its open tasks closed.
persistence::run_progress unstarted_end(int64_t run_id, run_status status,
                                        run_log_level level,
                                        std::string message) {
  persistence::run_progress end;
  end.run_id = run_id;
  end.status = status;
  end.finished_at = now_ms();
  end.close_open_tasks = true;
  end.logs.push_back({0, "", level, std::move(message), now_ms()});
  return end;
}

using queue_iterator
  = std::deque<std::pair<job_spec, persistence::created_run>>::iterator;

queue_iterator queued_run_of_job(org_state& st, int64_t job_id) {
  return std::find_if(st.queue.begin(), st.queue.end(), [&](auto& item) {
    return item.first.job_id == job_id;
  });
}

/// Tells the run's and the organization's streams that a run ended before
/// it started (no run actor ever spoke for it): its one log line, then its
/// final summary, as a GET of the run now shows them.
void publish_unstarted_end(org_pointer self, persistence::run_record run,
                           const persistence::run_progress& end) {
  auto& st = self->state;
  auto send = [&](frame_kind kind, nlohmann::json body, int64_t seq,
                  bool final) {
    self->send(st.svc->events, publish_atom::value,
               event_frame{st.org_id, run.id, kind, seq, {},
                           frame_text(kind, std::move(body)), final});
  };
  int64_t seq = 0;
  for (auto line : end.logs) {
    line.seq = ++seq;  // the writer numbers a never-started run's lines 1..
    auto body = persistence::log_json(line);
    body["run_id"] = std::to_string(run.id);
    send(frame_kind::log, std::move(body), line.seq, false);
    ++run.total_logs;
    run.total_errors += line.level == run_log_level::error;
    run.total_warnings += line.level == run_log_level::warning;
  }
  run.status = end.status.value_or(run_status::cancelled);
  run.finished_at = end.finished_at;
  for (auto& task : run.tasks)
    task.status = persistence::task_status::cancelled;
  send(frame_kind::run, {{"run", persistence::run_json(run, now_ms())}}, 0,
       true);
}

/// Takes the queued run out of the queue and ends it cancelled, never
/// started, saying why; delivers `promise` once that is durable.
void cancel_queued(org_pointer self, queue_iterator i, const std::string& why,
                   caf::typed_response_promise<api_error> promise) {
  auto& st = self->state;
  auto run_id = i->second.run_id;
  auto run = run_record_of(i->first, st.org_id, i->second);
  const char* task_names[] = {database_task_name, index_task_name};
  for (size_t t = 0; t < i->second.task_ids.size() && t < 2; ++t)
    run.tasks.push_back({i->second.task_ids[t], task_names[t],
                         persistence::task_status::pending, "", 0});
  st.queue.erase(i);
  server_log(st, log_level::info, "queued run " + std::to_string(run_id)
                           + " cancelled without starting: " + why);
  // await, not then: an org actor that stopped while the answer was on its
  // way would never deliver the promise, and the caller (an HTTP thread)
  // would wait for its whole timeout. While awaiting, this actor handles
  // nothing else, so nothing else can stop it in between.
  auto end = unstarted_end(run_id, run_status::cancelled,
                           run_log_level::warning,
                           "This run was cancelled before it started: " + why);
  self
    ->request(st.svc->writer, caf::infinite, persist_atom::value, end,
              durable_atom::value)
    .await([=](api_error& error) mutable {
             if (!error)
               publish_unstarted_end(self, run, end);
             promise.deliver(std::move(error));
           },
          [=](caf::error& err) mutable {
            promise.deliver(actor_failure("Recording the cancel", err));
          });
}

/// Stores a recurring job and hands it to the scheduler; it has no run yet.
caf::result<submit_reply> create_recurring_job(org_pointer self,
                                               const job_spec& spec) {
  auto& st = self->state;
  if (st.recurring_jobs.size() >= max_recurring_jobs_per_org)
    return submit_reply{
      make_error(error_code::limit_reached,
                 "This organization has "
                   + std::to_string(st.recurring_jobs.size())
                   + " recurring jobs, the most it may hold; delete one "
                     "first."),
      0, 0};
  auto job = make_new_run(st, spec).job;
  job.state = job_state::active;
  job.created_at = now_ms();
  auto anchor = scheduler::time_point{
    std::chrono::seconds{job.created_at / 1000}};
  if (auto next = scheduler::next_fire(spec.schedule, anchor, anchor))
    job.next_run_at = std::chrono::duration_cast<std::chrono::milliseconds>(
                        next->time_since_epoch())
                        .count();
  auto promise = self->make_response_promise<submit_reply>();
  self->request(st.svc->writer, caf::infinite, create_atom::value, job)
    .await([=](created_job_reply& reply) mutable {
      if (reply.error) {
        promise.deliver(submit_reply{std::move(reply.error), 0, 0});
        return;
      }
      auto job_id = reply.job_id;
      // The caller is answered before anything here could throw.
      promise.deliver(submit_reply{{}, job_id, 0});
      auto stored = job;
      stored.id = job_id;
      auto held = recurring_job_of(stored, spec.schedule,
                                   fire_target{org_actor{self}});
      self->send(self->state.svc->scheduler, register_atom::value,
                 std::move(held));
      self->state.recurring_jobs.insert(job_id);
    },
    [=](caf::error& err) mutable {
      promise.deliver(
        submit_reply{actor_failure("Storing the recurring job", err), 0, 0});
    });
  return promise;
}

/// Starts a run whose rows exist: spawns its run actor and locks its target.
/// `recorded_running`: its rows already say running (a run started at once).
void start_run(org_pointer self, const job_spec& spec,
               const persistence::created_run& created,
               bool recorded_running = true) {
  auto& st = self->state;
  auto& base = st.environments.at(spec.base_environment);
  run_plan plan;
  plan.run_id = created.run_id;
  plan.org_id = st.org_id;
  plan.task_ids = created.task_ids;
  plan.base_key = base.key;
  // This actor owns every environment's current generation: it commits
  // each switch and publishes it (make_current).
  plan.base_generation = base.generation;
  if (spec.type == persistence::job_type::create_environment) {
    plan.creates_environment = true;
    plan.target_key = created.new_environment_key;
    plan.new_generation = 1;
  } else {
    auto& target = st.environments.at(spec.target_environment);
    plan.target_key = target.key;
    plan.target_generation = target.generation;
    // Never a number handed out before or a directory on disk: the files
    // of a run that died may still be being removed (remove_leftovers).
    plan.new_generation = st.svc->generations.next(
      st.svc->layout, target.key, plan.target_generation);
  }
  plan.recorded_running = recorded_running;
  plan.info = run_record_of(spec, st.org_id, created);
  plan.org = org_actor{self};
  plan.svc = st.svc;
  // Monitored: if the run actor died without ending its run, the org
  // actor ends it (down handler below) instead of staying locked forever.
  auto files = plan.creates_environment
                 ? st.svc->layout.environment_dir(plan.target_key)
                 : plan.new_dir();
  auto handle = self->spawn<caf::monitored>(run, std::move(plan));
  st.svc->runs.add(created.run_id, handle, std::move(files));
  st.active = active_run{created.run_id, handle, spec.target_environment,
                         spec.base_environment};
}

/// Removes what a run whose actor is gone may have left on disk: a new
/// environment's files, or the generation a sync was building. Detached:
/// removing files blocks.
///
/// The removal runs while the organization goes on, so it must never touch
/// files a later run uses. It does not: a removed directory is either a
/// new environment's, whose key is never used again, or a generation whose
/// number is never handed out again (generation_numbers.hpp). The target
/// need not stay locked until the removal is done.
void remove_leftovers(org_pointer self, std::vector<std::filesystem::path> dirs) {
  if (dirs.empty())
    return;
  dirs.erase(std::remove(dirs.begin(), dirs.end(), std::filesystem::path{}),
             dirs.end());
  if (dirs.empty())
    return;
  // dirs goes as a spawn argument, not a capture: see
  // tests/sanitizers/ubsan.supp on CAF's actors spawned without one.
  self->spawn<caf::detached>([](const std::vector<std::filesystem::path>& dirs) {
    // Test-only (fault_injection.hpp): the removal starts late, while a
    // new run of the same target is already copying.
    if (inject_fault("slow-removal"))
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    for (auto& dir : dirs) {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored); // else: start-up removes it
    }
  }, std::move(dirs));
}

/// Rebuilding after the previous org actor stopped: adopt its running run
/// if that run's actor lives (it stops at a safe point and reports its end
/// here), and end every other run it left interrupted.
void take_over_runs(org_pointer self,
                    const std::vector<persistence::unfinished_run>& runs) {
  auto& st = self->state;
  std::vector<std::filesystem::path> leftovers;
  for (auto& left : runs) {
    auto handle = st.svc->runs.find(left.run_id);
    if (handle && !st.active) {
      self->monitor(handle);
      st.active = active_run{left.run_id, handle, left.target_environment,
                             left.base_environment, true};
      self->send(handle, adopt_atom::value, org_actor{self});
      server_log(st, log_level::warning, "adopted run " + std::to_string(left.run_id)
                                  + "; it stops and ends interrupted");
      continue;
    }
    auto end = unstarted_end(
      left.run_id, run_status::interrupted, run_log_level::error,
      std::string{"The organization's actor stopped unexpectedly while "
                  "this run was "}
        + to_string(left.status)
        + ". Nothing of it was applied: the target environment keeps its "
          "previous data (a new environment is not created).");
    auto target = st.environments.find(left.target_environment);
    if (left.status == run_status::running && target != st.environments.end()) {
      auto& env = target->second;
      // Exactly the directory the run was building, as its org actor
      // registered it at start. None registered: its actor never started,
      // so it wrote nothing (a new environment's directory is removed
      // anyway). Never "current generation + 1": a sync's number is not
      // always that (generation_numbers.hpp).
      auto files = st.svc->runs.files(left.run_id);
      if (env.status == environment_status::creating) {
        end.environment_key = env.key;
        end.delete_environment = true;
        leftovers.push_back(st.svc->layout.environment_dir(env.key));
        st.svc->guards.forget(env.key);
        st.environments.erase(target);
      } else if (!files.empty()) {
        leftovers.push_back(std::move(files));
      }
    }
    st.svc->runs.remove(left.run_id);
    server_log(st, log_level::warning, "run " + std::to_string(left.run_id)
                                + " ended interrupted: its actor is gone");
    self->send(st.svc->writer, persist_atom::value, std::move(end));
  }
  remove_leftovers(self, std::move(leftovers));
}

// -- handlers, one per message of org_actor (interfaces.hpp) -----------------

/// The active run's actor stopped without ending its run: the run ends
/// failed (interrupted if adopted) and its files are removed.
void end_dead_run(org_pointer self, const caf::error& reason) {
  auto& st = self->state;
  auto status = st.active->adopted ? run_status::interrupted
                                    : run_status::failed;
  auto failed = unstarted_end(st.active->run_id, status,
                              run_log_level::error,
                              "The run stopped unexpectedly ("
                                + caf::to_string(reason)
                                + "); its changes were discarded.");
  auto target = st.environments.find(st.active->target);
  if (target != st.environments.end()
      && target->second.status == environment_status::creating) {
    // The key is never reused.
    failed.environment_key = target->second.key;
    failed.delete_environment = true;
  }
  // Adopted or not, the dead run's files go now, not at the next start:
  // else they would lie on disk until a restart. Removing them while the
  // next run starts is safe (remove_leftovers).
  remove_leftovers(self, {st.svc->runs.files(st.active->run_id)});
  self->send(st.svc->writer, persist_atom::value, std::move(failed));
  release_run(self, false);
}

/// A run actor stopped: if it had not ended its run, the run ends now (or,
/// if its end is being committed, once that commit's answer shows the run
/// was not released).
void on_run_down(org_pointer self, const caf::down_msg& down) {
  auto& st = self->state;
  if (!st.active
      || down.source != caf::actor_cast<caf::actor_addr>(st.active->handle))
    return; // a run actor that had ended its run
  if (st.active->ending) {
    st.active->gone = down.reason;
    return;
  }
  end_dead_run(self, down.reason);
}

/// Test-only (fault_injection.hpp): this actor stops with a run under way
/// (org-quit), or its run's actor dies with it (org-quit-kill-run); the
/// supervisor replaces it.
void inject_org_quit(org_pointer self) {
  for (auto fault : {"org-quit", "org-quit-kill-run"}) {
    if (!inject_fault(fault))
      continue;
    server_log(self->state, log_level::error,
               std::string{"injected fault "} + fault);
    if (std::string{fault} == "org-quit-kill-run")
      self->send_exit(self->state.active->handle, caf::exit_reason::kill);
    self->quit(caf::make_error(caf::sec::runtime_error,
                               std::string{"injected fault "} + fault));
    return;
  }
}

/// Why `spec` cannot be taken now, whatever else runs: the server stops,
/// or the job does not hold against the environment tree.
api_error refusal(const org_state& st, const job_spec& spec) {
  if (st.closing)
    return make_error(error_code::unavailable,
                      "The server is shutting down; submit the job again "
                      "once it is back.");
  return check_job(spec, parents_of(st));
}

/// Creates and starts a run-now job's run, answering `promise`; refused
/// while another run is active. Waits in after_end if the active run is
/// ending, so that a client that saw a run end can submit at once.
void submit_run_now(org_pointer self, const job_spec& spec,
                    caf::typed_response_promise<submit_reply> promise) {
  auto& st = self->state;
  if (ending(st) || st.awaiting) {
    wait_for_end(
      st, [=]() mutable { submit_run_now(self, spec, promise); },
      [=]() mutable { promise.deliver(submit_reply{org_stopped(), 0, 0}); });
    return;
  }
  if (auto error = refusal(st, spec)) {
    promise.deliver(submit_reply{std::move(error), 0, 0});
    return;
  }
  if (st.active) {
    promise.deliver(submit_reply{job_in_progress(st.active->run_id), 0, 0});
    return;
  }
  // await: no other message of this organization is handled until the
  // run's rows exist, so no second job can slip in meanwhile; `awaiting`
  // holds back the requests that waited in after_end (answer_after_end
  // runs them in one go, past the await) until the run has started.
  st.awaiting = true;
  self
    ->request(st.svc->writer, caf::infinite, create_atom::value,
              make_new_run(st, spec))
    .await([=](created_run_reply& reply) mutable {
      auto& st = self->state;
      st.awaiting = false;
      if (reply.error) {
        promise.deliver(submit_reply{std::move(reply.error), 0, 0});
        answer_after_end(self);
        return;
      }
      // The caller is answered first: the run's rows exist, so it is
      // this run's to report from now on. Should starting it throw,
      // this actor stops, and its successor ends the run interrupted
      // (take_over_runs); the caller does not wait in vain meanwhile.
      promise.deliver(submit_reply{{}, reply.run.job_id, reply.run.run_id});
      if (spec.type == persistence::job_type::create_environment) {
        auto env = new_environment_of(spec, st.org_id);
        env.key = reply.run.new_environment_key;
        env.created_at = now_ms();
        st.environments.emplace(env.id, env);
      }
      start_run(self, spec, reply.run);
      inject_org_quit(self);
      answer_after_end(self);
    },
    [=](caf::error& err) mutable {
      self->state.awaiting = false;
      promise.deliver(
        submit_reply{actor_failure("Creating the run", err), 0, 0});
      answer_after_end(self);
    });
}

caf::result<submit_reply> on_submit(org_pointer self, const job_spec& spec) {
  if (scheduler::is_recurring(spec.schedule)) {
    if (auto error = refusal(self->state, spec))
      return submit_reply{std::move(error), 0, 0};
    return create_recurring_job(self, spec);
  }
  auto promise = self->make_response_promise<submit_reply>();
  submit_run_now(self, spec, promise);
  return promise;
}

/// A firing whose run could not be stored (or the writer did not answer,
/// so nobody knows it was): the slot is lost, the schedule goes on. Logged
/// with the details, and counted on the job as a skipped firing (its reason,
/// without a server fault's details, is shown to users).
void firing_not_stored(org_pointer self, int64_t job_id,
                       const std::string& why) {
  auto& st = self->state;
  metrics::server().firings.with({"failed"}).inc();
  server_log(st, log_level::error,
             "recurring job " + std::to_string(job_id)
               + ": firing lost, its run could not be stored (" + why + ")");
  self->send(st.svc->writer, persist_atom::value,
             persistence::skipped_firing{
               job_id, now_ms(),
               "its run could not be stored (a server fault; the server's "
               "log says more)"});
}

/// Why a firing of `job_id` is skipped: a run of the job still waits (in
/// the queue, or its rows are being recorded); empty if none does.
std::string waiting_run_of(org_state& st, int64_t job_id) {
  auto waiting = queued_run_of_job(st, job_id);
  if (waiting != st.queue.end())
    return "run " + std::to_string(waiting->second.run_id)
           + " of this job is still waiting to start";
  if (st.recording.count(job_id) != 0)
    return "a run of this job is still waiting to start";
  return {};
}

/// Runs what waited for `job_ids`' firings to be recorded (a pause or
/// delete of such a job ends the run once it is in the queue).
void run_after_recording(org_pointer self, const std::vector<int64_t>& job_ids) {
  auto& st = self->state;
  std::vector<std::function<void()>> ready;
  for (auto id : job_ids) {
    auto range = st.after_recording.equal_range(id);
    for (auto i = range.first; i != range.second; ++i)
      ready.push_back(std::move(i->second));
    st.after_recording.erase(range.first, range.second);
  }
  for (auto& then : ready)
    then();
}

/// A batch of firings' runs is recorded (or not): each joins the queue
/// (FIFO, behind the runs queued before it) and the queue's head starts if
/// nothing runs.
void on_fired_runs(org_pointer self, const std::vector<recording_firing>& batch,
                   std::vector<created_run_reply>& replies) {
  auto& st = self->state;
  std::vector<int64_t> job_ids;
  std::vector<int64_t> queued;
  for (size_t i = 0; i < batch.size(); ++i) {
    auto& spec = *batch[i].spec;
    st.recording.erase(spec.job_id);
    job_ids.push_back(spec.job_id);
    auto reply = i < replies.size()
                   ? std::move(replies[i])
                   : created_run_reply{make_error(error_code::internal,
                                                  "no answer for this run"),
                                       {}};
    if (reply.error) {
      firing_not_stored(self, spec.job_id, reply.error.message);
      continue;
    }
    if (batch[i].invalid) {
      // The schedule stays; this run fails and says why.
      fail_queued_run(self, reply.run.run_id, batch[i].invalid.message);
      metrics::server().firings.with({"failed"}).inc();
      continue;
    }
    st.queue.emplace_back(spec, reply.run);
    queued.push_back(reply.run.run_id);
  }
  // A pause or delete that came meanwhile ends its job's run now.
  run_after_recording(self, job_ids);
  if (!st.active && !st.closing)
    start_next_queued(self);
  for (auto run_id : queued)
    metrics::server()
      .firings.with({is_active(st, run_id) ? "started" : "queued"})
      .inc();
}

/// One scheduler pass's firings for this organization. Each gets a run,
/// recorded (with every other run of the batch) in one writer message, or
/// is skipped while a run of its job waits. Its `created_at` is now, when
/// this actor takes it. The insert is not awaited: this actor answers
/// submissions, registrations and content requests meanwhile. Runs start
/// from the queue once their rows exist, so one job at a time still holds.
void on_fire(org_pointer self, firing_batch& batch) {
  auto& st = self->state;
  if (st.closing)
    return; // the server stops; these slots are not run
  auto taken = now_ms();
  auto parents = parents_of(st);
  std::vector<persistence::skipped_firing> skips;
  std::vector<persistence::new_run> runs;
  std::vector<recording_firing> recording;
  for (auto& firing : batch) {
    if (!firing.spec)
      continue;
    auto& spec = *firing.spec;
    // Sent before the scheduler took a pause or delete of its job, and
    // arrived after it: the job fires no more.
    if (st.recurring_jobs.count(spec.job_id) == 0
        || st.paused_jobs.count(spec.job_id) != 0)
      continue;
    // At most one waiting run per recurring job: a job faster than its
    // runs would otherwise queue without bound.
    auto reason = waiting_run_of(st, spec.job_id);
    if (!reason.empty()) {
      skips.push_back({spec.job_id, taken, std::move(reason)});
      continue;
    }
    auto run = make_new_run(st, spec);
    run.status = run_status::queued;  // it starts once its rows exist
    run.scheduled_at = firing.planned;
    run.created_at = taken;
    runs.push_back(std::move(run));
    recording.push_back({firing.spec, check_job(spec, parents)});
    st.recording.insert(spec.job_id);
  }
  if (!skips.empty()) {
    // One line per batch, not per firing: a fast job skips every second.
    server_log(st, log_level::info,
               std::to_string(skips.size()) + " firing(s) skipped, their "
               "jobs' previous runs still wait (first: recurring job "
               + std::to_string(skips.front().job_id) + ")");
    metrics::server().firings.with({"skipped"}).inc(skips.size());
    self->send(st.svc->writer, persist_atom::value, std::move(skips));
  }
  if (runs.empty())
    return;
  self->request(st.svc->writer, caf::infinite, create_atom::value,
                std::move(runs))
    .then(
      [=](std::vector<created_run_reply>& replies) {
        on_fired_runs(self, recording, replies);
      },
      [=](caf::error& err) {
        std::vector<created_run_reply> none(
          recording.size(),
          {actor_failure("Recording the firing's run", err), {}});
        on_fired_runs(self, recording, none);
      });
}

content_grant grant_access(org_pointer self, const std::string& env) {
  auto& st = self->state;
  auto i = st.environments.find(env);
  if (i == st.environments.end())
    return {make_error(error_code::not_found,
                       "No environment '" + env + "' in this organization."),
            0};
  if (st.active && st.active->target == env)
    return {environment_locked(env, st.active->run_id), 0};
  return {{}, i->second.key};
}

/// A content request on the target of a run whose end is being committed
/// waits until the run is released: a client that saw the run end (a GET
/// of the run reads the committed end) is then not told it is locked.
caf::result<content_grant> on_access(org_pointer self, const std::string& env) {
  auto& st = self->state;
  if (!ending_on(st, env))
    return grant_access(self, env);
  auto promise = self->make_response_promise<content_grant>();
  wait_for_end(
    st, [=]() mutable { promise.deliver(grant_access(self, env)); },
    [=]() mutable { promise.deliver(content_grant{org_stopped(), 0}); });
  return promise;
}

std::vector<environment_view> on_list(org_pointer self) {
  auto& st = self->state;
  std::vector<environment_view> result;
  for (auto& [id, env] : st.environments) {
    auto status = status_of(st, env);
    result.push_back({id, env.display_name, env.parent, status,
                      env.created_at,
                      st.active && status != environment_status::ready
                        ? st.active->run_id
                        : 0});
  }
  return result;
}

caf::result<api_error> on_cancel(org_pointer self, int64_t run_id) {
  auto& st = self->state;
  if (ending(st) && is_active(st, run_id))
    return make_error(error_code::not_running,
                      "Run " + std::to_string(run_id)
                        + " is ending; only a running or queued run can be "
                          "cancelled.");
  if (is_active(st, run_id)) {
    self->send(st.active->handle, cancel_atom::value);
    return api_error{};
  }
  auto waiting = std::find_if(st.queue.begin(), st.queue.end(),
                              [&](auto& item) {
                                return item.second.run_id == run_id;
                              });
  if (waiting == st.queue.end())
    return make_error(error_code::not_running,
                      "Run " + std::to_string(run_id)
                        + " has ended; only a running or queued run can "
                          "be cancelled.");
  auto promise = self->make_response_promise<api_error>();
  cancel_queued(self, waiting, "a user cancelled it.", promise);
  return promise;
}

/// Ends the waiting run of a job just paused or deleted, if it has one,
/// then delivers `promise`. A run of the job still being recorded is waited
/// for: it is in the queue once recorded, and ended then.
void end_waiting_run(org_pointer self, int64_t job_id, job_state change,
                     caf::typed_response_promise<api_error> promise) {
  auto& st = self->state;
  if (st.recording.count(job_id) != 0) {
    st.after_recording.emplace(job_id, [=] {
      end_waiting_run(self, job_id, change, promise);
    });
    return;
  }
  auto waiting = queued_run_of_job(st, job_id);
  if (waiting == st.queue.end()) {
    promise.deliver(api_error{});
    return;
  }
  // "paused" or "deleted": the state's name is the word for the change.
  cancel_queued(self, waiting,
                std::string{"its recurring job was "} + to_string(change)
                  + ".",
                promise);
}

/// The scheduler changes the job first (no new firing), then this actor
/// ends its waiting run, if any.
caf::result<api_error> on_recurring_change(org_pointer self, int64_t job_id,
                                           job_state change) {
  auto& st = self->state;
  // This organization's jobs only: another one's id is simply not found.
  if (st.recurring_jobs.count(job_id) == 0)
    return no_recurring_job(job_id);
  if (change == job_state::once)
    return make_error(error_code::internal,
                      "A recurring job cannot become a run-now job.");
  auto promise = self->make_response_promise<api_error>();
  auto on_scheduled = [=](api_error& error) mutable {
    auto& st = self->state;
    if (!error && change == job_state::active)
      st.paused_jobs.erase(job_id);
    if (error || change == job_state::active) {
      promise.deliver(std::move(error));
      return;
    }
    if (change == job_state::paused)
      st.paused_jobs.insert(job_id);
    if (change == job_state::deleted) {
      st.recurring_jobs.erase(job_id);
      st.paused_jobs.erase(job_id);
    }
    end_waiting_run(self, job_id, change, promise);
  };
  auto on_failure = [=](caf::error& err) mutable {
    promise.deliver(actor_failure("Changing the recurring job", err));
  };
  auto& scheduler = st.svc->scheduler;
  if (change == job_state::paused)
    self->request(scheduler, caf::infinite, pause_atom::value, job_id)
      .await(on_scheduled, on_failure);
  else if (change == job_state::active)
    self->request(scheduler, caf::infinite, resume_atom::value, job_id)
      .await(on_scheduled, on_failure);
  else
    self->request(scheduler, caf::infinite, remove_atom::value, job_id)
      .await(on_scheduled, on_failure);
  return promise;
}

/// Deletes an environment, answering `promise`. Waits in after_end while
/// it is the target of a run whose end is being committed.
void remove_environment(org_pointer self, const std::string& env,
                        caf::typed_response_promise<content_grant> promise) {
  auto& st = self->state;
  if (ending_on(st, env)) {
    wait_for_end(
      st, [=]() mutable { remove_environment(self, env, promise); },
      [=]() mutable { promise.deliver(content_grant{org_stopped(), 0}); });
    return;
  }
  auto refuse = [&](api_error error) {
    promise.deliver(content_grant{std::move(error), 0});
  };
  auto i = st.environments.find(env);
  if (i == st.environments.end())
    return refuse(make_error(error_code::not_found,
                             "No environment '" + env
                               + "' in this organization."));
  if (env == main_environment_id)
    return refuse(make_error(error_code::main_environment,
                             "The main environment cannot be deleted."));
  if (st.active && st.active->target == env)
    return refuse(environment_locked(env, st.active->run_id));
  for (auto& [id, other] : st.environments)
    if (other.parent == env)
      return refuse(make_error(error_code::has_children,
                               "Environment '" + env + "' has child '" + id
                                 + "'; delete its children first."));
  auto key = i->second.key;
  st.awaiting = true;  // what waits in after_end waits for this (above)
  self->request(st.svc->writer, caf::infinite, remove_atom::value, key)
    .await(
      [=](api_error& error) mutable {
        self->state.awaiting = false;
        if (!error)
          self->state.environments.erase(env);
        promise.deliver(content_grant{std::move(error), key});
        answer_after_end(self);
      },
      [=](caf::error& err) mutable {
        self->state.awaiting = false;
        promise.deliver(content_grant{
          actor_failure("Deleting the environment", err), key});
        answer_after_end(self);
      });
}

caf::result<content_grant> on_remove(org_pointer self,
                                     const std::string& env) {
  auto promise = self->make_response_promise<content_grant>();
  remove_environment(self, env, promise);
  return promise;
}

caf::result<bool> on_shutdown(org_pointer self) {
  auto& st = self->state;
  st.closing = true;
  if (!st.active)
    return true;
  self->send(st.active->handle, shutdown_atom::value);
  // Every asker is answered (each is kept), not only the last one.
  st.closed.push_back(self->make_response_promise<bool>());
  return st.closed.back();
}

/// The switch is committed: the new generation is the target's current one,
/// in this actor's tree and in the target's guard, which content requests
/// read. The commit step holds the guard exclusively while it waits for
/// this actor's answer, so no request reads it meanwhile.
void make_current(org_pointer self, int64_t generation) {
  auto& st = self->state;
  auto target = st.environments.find(st.active->target);
  if (target == st.environments.end())
    return;
  target->second.generation = generation;
  st.svc->guards.get(target->second.key, generation)->generation = generation;
}

/// The commit of run `run_id`'s end answered (and `then` ran); if the run
/// is still active, the commit failed and it was not released. What waited
/// is answered (answer_after_end ends the run as a dead one if its actor
/// stopped meanwhile and no end that waited ended it).
void after_commit(org_pointer self, int64_t run_id) {
  auto& st = self->state;
  if (is_active(st, run_id))
    st.active->ending = false;
  answer_after_end(self);
}

/// Commits a run's final progress durably; `then` gets the commit's error
/// (the writer's, or one it could not report: it failed or stopped), and
/// releases the run. Not awaited: a durable commit takes a group commit's
/// fsync, and this actor takes firings, lists and requests on its other
/// environments meanwhile. What concerns the ending run (a run-now
/// submission, its target, another end of it) waits in after_end and is
/// answered after `then`, so nothing sees the run ended and its target
/// still locked.
template <class Then>
void commit_end(org_pointer self, persistence::run_progress& progress,
                Then then) {
  auto& st = self->state;
  auto run_id = st.active->run_id;
  st.active->ending = true;
  auto finish = [=](api_error error) mutable {
    then(std::move(error));
    after_commit(self, run_id);
  };
  self
    ->request(st.svc->writer, caf::infinite, persist_atom::value,
              std::move(progress), durable_atom::value)
    .then([=](api_error& error) mutable { finish(std::move(error)); },
          [=](caf::error& err) mutable {
            server_log(self->state, log_level::error,
                       "committing the end of a run failed: "
                         + caf::to_string(err));
            finish(actor_failure("Committing the run's end", err));
          });
}

/// Whether the end (or switch) of run `progress.run_id` can be committed
/// now; if not, `promise` is seen to. A second end of a run whose end is
/// being committed (the commit step gave up waiting, and the run ends
/// failed) waits for that commit, as it waited in the mailbox when the
/// commit was awaited, and then goes through `handler` again: it finds the
/// run released, or still active if that commit failed. The end of a run
/// that is not the active one is refused.
template <class Handler>
bool ready_to_end(org_pointer self, persistence::run_progress& progress,
                  caf::typed_response_promise<api_error> promise,
                  Handler handler) {
  auto& st = self->state;
  if (ending(st)) {
    wait_for_end(
      st,
      [=]() mutable {
        auto again = progress;
        handler(self, again, promise);
      },
      [=]() mutable {
        promise.deliver(caf::make_error(caf::sec::request_receiver_down));
      });
    return false;
  }
  if (!is_active(st, progress.run_id)) {
    promise.deliver(make_error(error_code::not_running, "Not the active run."));
    return false;
  }
  return true;
}

void switch_run(org_pointer self, persistence::run_progress& progress,
                caf::typed_response_promise<api_error> promise) {
  if (!ready_to_end(self, progress, promise, switch_run))
    return;
  auto run_id = progress.run_id;
  auto generation = progress.switch_generation;
  bool succeeded = progress.status == run_status::succeeded;
  commit_end(self, progress, [=](api_error error) mutable {
    auto& st = self->state;
    if (!error && is_active(st, run_id))
      make_current(self, generation);
    // The commit step is answered before anything else happens here: it
    // waits holding the target's guard exclusively, and if releasing below
    // threw and stopped this actor first, every request on the target would
    // block behind it.
    bool failed = static_cast<bool>(error);
    promise.deliver(std::move(error));
    if (failed)
      return; // not the end of the run: it ends failed next (end_atom)
    // Test-only (fault_injection.hpp): releasing throws, after the switch
    // was committed; this actor stops, the supervisor replaces it.
    if (inject_fault("release-throw"))
      throw std::runtime_error("injected fault release-throw");
    if (is_active(st, run_id))
      release_run(self, succeeded);
  });
}

void end_run(org_pointer self, persistence::run_progress& progress,
             caf::typed_response_promise<api_error> promise) {
  if (!ready_to_end(self, progress, promise, end_run))
    return;
  auto run_id = progress.run_id;
  bool succeeded = progress.status == run_status::succeeded;
  commit_end(self, progress, [=](api_error error) mutable {
    promise.deliver(std::move(error));
    // Released even if its status could not be written (start-up recovery
    // then marks it interrupted).
    if (is_active(self->state, run_id))
      release_run(self, succeeded);
  });
}

caf::result<api_error> on_switch(org_pointer self,
                                 persistence::run_progress& progress) {
  auto promise = self->make_response_promise<api_error>();
  switch_run(self, progress, promise);
  return promise;
}

caf::result<api_error> on_end(org_pointer self,
                              persistence::run_progress& progress) {
  auto promise = self->make_response_promise<api_error>();
  end_run(self, progress, promise);
  return promise;
}

} // namespace

org_actor::behavior_type
organization(org_pointer self, std::string org_id, org_snapshot snapshot,
             services_ptr svc) {
  auto& st = self->state;
  st.org_id = std::move(org_id);
  st.svc = std::move(svc);
  for (auto& env : snapshot.environments) {
    st.svc->guards.get(env.key, env.generation);
    st.environments.emplace(env.id, std::move(env));
  }
  st.recurring_jobs.insert(snapshot.recurring_jobs.begin(),
                           snapshot.recurring_jobs.end());
  take_over_runs(self, snapshot.unfinished_runs);
  self->set_down_handler(
    [=](const caf::down_msg& down) { on_run_down(self, down); });
  // A handler threw: this actor stops (its supervisor replaces it). What
  // waited in after_end is answered first; CAF 0.17 would drop it.
  self->set_exception_handler(
    [=](caf::scheduled_actor* actor, std::exception_ptr& e) -> caf::error {
      refuse_after_end(self);
      return caf::scheduled_actor::default_exception_handler(actor, e);
    });
  return {
    [=](submit_atom, const job_spec& spec) { return on_submit(self, spec); },
    [=](fire_atom, firing_batch& batch) { on_fire(self, batch); },
    [=](access_atom, const std::string& env) { return on_access(self, env); },
    [=](list_atom) { return on_list(self); },
    [=](cancel_atom, int64_t run_id) { return on_cancel(self, run_id); },
    [=](change_atom, int64_t job_id, job_state change) {
      return on_recurring_change(self, job_id, change);
    },
    [=](remove_atom, const std::string& env) { return on_remove(self, env); },
    [=](shutdown_atom) { return on_shutdown(self); },
    [=](switch_atom, persistence::run_progress& progress) {
      return on_switch(self, progress);
    },
    [=](end_atom, persistence::run_progress& progress) {
      return on_end(self, progress);
    },
  };
}

namespace {

/// The active run has ended: unlock its target, make a new environment
/// ready (or forget it, if its Create did not succeed), start what waits.
void release_run(org_pointer self, bool succeeded) {
  auto& st = self->state;
  auto target = st.active->target;
  st.svc->runs.remove(st.active->run_id);
  st.active.reset();
  auto i = st.environments.find(target);
  if (i != st.environments.end() && i->second.status == environment_status::creating) {
    if (succeeded) {
      i->second.status = environment_status::ready;
    } else {
      st.svc->guards.forget(i->second.key);
      st.environments.erase(i);
    }
  }
  if (st.closing) {
    // Queued runs stay queued; start-up marks them interrupted.
    for (auto& closed : st.closed)
      if (closed.pending())
        closed.deliver(true);
    st.closed.clear();
    return;
  }
  start_next_queued(self);
}

/// Starts the oldest queued run that is still valid. A queued run whose
/// environments changed so that its job no longer holds fails, saying why.
void start_next_queued(org_pointer self) {
  auto& st = self->state;
  while (!st.active && !st.queue.empty()) {
    auto [spec, created] = std::move(st.queue.front());
    st.queue.pop_front();
    if (auto error = check_job(spec, parents_of(st))) {
      fail_queued_run(self, created.run_id, error.message);
      continue;
    }
    start_run(self, spec, created, false);
  }
}

} // namespace

} // namespace downhill
