#include "actors/run_actor.hpp"

#include "actors/environment_tasks.hpp"
#include "actors/frame_text.hpp"
#include "actors/server_log.hpp"
#include "persistence/environment_copy.hpp"
#include "persistence/record_json.hpp"

#include <caf/blocking_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>


namespace downhill {

namespace {

using run_pointer = run_actor::stateful_pointer<run_state>;
using persistence::run_log_level;
using persistence::run_status;
using persistence::task_status;

/// How often a run's changes are handed to the writer.
constexpr auto persist_interval = std::chrono::milliseconds(50);

const char* completion_message(int32_t task) {
  return task == database_task ? "Replication completed successfully."
                               : "Indexed Data Synced Successfully";
}

/// Sends a frame of `kind` (its body's "type") to the event hub.
void publish(run_pointer self, frame_kind kind, nlohmann::json body,
             int64_t seq = 0, std::string task = {}, bool final = false) {
  auto& st = self->state;
  event_frame frame{st.plan.org_id,
                    st.plan.run_id,
                    kind,
                    seq,
                    std::move(task),
                    frame_text(kind, std::move(body)),
                    final};
  self->send(st.plan.svc->events, publish_atom::value, std::move(frame));
}

/// A `run` frame with the summary as it is now.
void publish_summary(run_pointer self, bool final = false) {
  auto& st = self->state;
  st.info.tasks.assign(st.tasks.begin(), st.tasks.end());
  nlohmann::json body{{"run", persistence::run_json(st.info, now_ms())}};
  publish(self, frame_kind::run, std::move(body), 0, {}, final);
}

void add_log(run_pointer self, int32_t task, run_log_level level,
             std::string message) {
  auto& st = self->state;
  persistence::log_record line{st.next_seq++, st.tasks[task].name,
                               level, std::move(message), now_ms()};
  ++st.info.total_logs;
  st.info.total_errors += line.level == run_log_level::error;
  st.info.total_warnings += line.level == run_log_level::warning;
  auto body = persistence::log_json(line);
  body["run_id"] = std::to_string(st.plan.run_id);
  publish(self, frame_kind::log, std::move(body), line.seq);
  st.pending.logs.push_back(std::move(line));
}

void set_task(run_pointer self, int32_t task) {
  auto& pending = self->state.pending.tasks;
  auto& current = self->state.tasks[task];
  for (auto& t : pending)
    if (t.id == current.id) {
      t = current;
      return;
    }
  pending.push_back(current);
}

void persist_pending(run_pointer self) {
  auto& pending = self->state.pending;
  if (pending.logs.empty() && pending.tasks.empty() && !pending.status
      && pending.started_at == 0)
    return;
  pending.run_id = self->state.plan.run_id;
  self->send(self->state.plan.svc->writer, persist_atom::value,
             std::move(pending));
  pending = persistence::run_progress{};
}

/// Hands the final progress of a run that ended without a switch to the
/// org actor (end_atom), which commits it durably and releases the target. If the org actor is gone, the report waits for its
/// successor (adopt_atom); the target stays locked meanwhile, which is
/// right: this run's files are not cleaned up until it ends.
void report_end(run_pointer self) {
  auto& st = self->state;
  self
    ->request(st.plan.org, caf::infinite, end_atom::value, *st.final_report)
    .then(
      [=](const api_error&) {
        self->state.final_report.reset();
        publish_summary(self, true);
        self->quit();
      },
      [=](caf::error& err) {
        auto& st = self->state;
        log_line(log_level::warning,
                 "run " + std::to_string(st.plan.run_id)
                   + " could not report its end to its organization ("
                   + caf::to_string(err)
                   + "); it waits for the organization's new actor");
        st.orphaned = true;
        st.final_report->status = run_status::interrupted;
        st.info.status = run_status::interrupted;
      });
}

/// The run's final status, persisted durably, then the org actor is told.
void end_run(run_pointer self, run_status status) {
  auto& st = self->state;
  if (st.orphaned)
    status = run_status::interrupted;
  st.pending.run_id = st.plan.run_id;
  st.pending.status = status;
  st.pending.finished_at = now_ms();
  if (st.plan.creates_environment) {
    st.pending.environment_key = st.plan.target_key;
    st.pending.delete_environment = true;
  }
  st.final_report = std::move(st.pending);
  st.pending = persistence::run_progress{};
  st.info.status = status;
  st.info.finished_at = st.final_report->finished_at;
  // The org actor commits the final status and releases the target in one
  // step; it releases it even if the status could not be written.
  report_end(self);
}

/// Runs a blocking step of this run on the server's pool (its threads are
/// detached actors; see blocking_pool.hpp).
void submit_step(run_pointer self, blocking_pool::lane lane,
                 blocking_pool::job work) {
  self->state.plan.svc->blocking.submit(self->home_system(), lane,
                                        std::move(work));
}

/// A copy expected to last at least this long is a long copy: it moves to
/// the pool's long_copies lane, so that it never holds a thread that other
/// organizations' small syncs wait for.
constexpr int64_t long_copy_ms = 250;
/// What a copy moves a second when no rate is set, for that estimate (a
/// byte copy of a file in the page cache; a cold one is slower, which only
/// makes more copies long).
constexpr int64_t assumed_bytes_per_second = int64_t{256} << 20;

/// Whether copying `file` (and the WAL beside it) at `bytes_per_second`
/// (0: unpaced) is a long copy. Two stat calls, on a pool worker.
bool is_long_copy(const std::filesystem::path& file,
                  int64_t bytes_per_second) {
  std::error_code ec;
  auto bytes = std::filesystem::file_size(file, ec);
  if (ec)
    return false;  // the task reports what is wrong with the base
  auto wal = std::filesystem::file_size(file.string() + "-wal", ec);
  if (!ec)
    bytes += wal;
  auto rate = bytes_per_second > 0
                ? std::min(bytes_per_second, assumed_bytes_per_second)
                : assumed_bytes_per_second;
  return static_cast<int64_t>(bytes) * 1000 / rate >= long_copy_ms;
}

/// Submits a task's copy to the copies lane. The worker that takes it
/// estimates the copy from the base file's size: a long one is handed on to
/// the long_copies lane and the worker goes back to the queue, so a
/// tenant's big environment never makes the others' small syncs wait for a
/// copy thread (each lane has --copy-threads threads).
template <class Task>
void submit_copy(run_pointer self, Task task, task_inputs in,
                 std::filesystem::path base_file) {
  submit_step(
    self, blocking_pool::lane::copies,
    [task, run = run_actor{self}, in = std::move(in),
     base_file = std::move(base_file),
     svc = self->state.plan.svc](caf::blocking_actor* worker) mutable {
      if (!in.cancel->load() && is_long_copy(base_file, in.bytes_per_second)) {
        svc->blocking.submit(
          worker->home_system(), blocking_pool::lane::long_copies,
          [task, run, in = std::move(in)](caf::blocking_actor* w) mutable {
            task(w, run, std::move(in));
          });
        return;
      }
      task(worker, run, std::move(in));
    });
}

void start_commit(run_pointer self) {
  auto& st = self->state;
  st.committing = true;
  persistence::run_progress final_progress = std::move(st.pending);
  st.pending = persistence::run_progress{};
  final_progress.run_id = st.plan.run_id;
  final_progress.status = run_status::succeeded;
  final_progress.finished_at = st.committed_finished_at = now_ms();
  final_progress.environment_key = st.plan.target_key;
  final_progress.switch_generation = st.plan.new_generation;
  final_progress.mark_environment_ready = st.plan.creates_environment;
  submit_step(self, blocking_pool::lane::steps,
              [run = run_actor{self}, plan = st.plan,
               final_progress = std::move(final_progress)](
                caf::blocking_actor* worker) mutable {
                commit_run(worker, run, std::move(plan),
                           std::move(final_progress));
              });
}

void on_task_done(run_pointer self, const task_outcome& outcome) {
  auto& st = self->state;
  auto& task = st.tasks[outcome.task];
  task.status = outcome.status;
  if (outcome.status == task_status::succeeded) {
    task.percent = 100;
    add_log(self, outcome.task, run_log_level::info,
            completion_message(outcome.task));
  } else if (outcome.status == task_status::failed) {
    st.failed = true;
    add_log(self, outcome.task, run_log_level::error, outcome.message);
    st.cancel->store(true); // no point finishing the other task
  } else {
    add_log(self, outcome.task, run_log_level::warning,
            st.shutting_down ? "Task stopped: the server is shutting down."
                             : "Task stopped: the run was cancelled.");
  }
  set_task(self, outcome.task);
  publish_summary(self);
  if (++st.tasks_done < 2)
    return;
  if (!st.failed && !st.cancel_requested)
    start_commit(self);
  else
    submit_step(self, blocking_pool::lane::steps,
                [run = run_actor{self}, plan = st.plan](
                  caf::blocking_actor* worker) mutable {
                  discard_run(worker, run, std::move(plan));
                });
}

/// The commit step is done. A success is complete: the org actor committed
/// it and released the target; only the final frame is left to send.
void on_switched(run_pointer self, const api_error& error) {
  auto& st = self->state;
  if (!error) {
    st.info.status = run_status::succeeded;
    // The time the switch stored: the final frame and a later GET agree.
    st.info.finished_at = st.committed_finished_at;
    publish_summary(self, true);
    self->quit();
    return;
  }
  add_log(self, database_task, run_log_level::error, error.message);
  end_run(self, st.orphaned ? run_status::interrupted : run_status::failed);
}

/// The discard step is done: the run ends as its tasks and requests say.
void on_discarded(run_pointer self, const api_error& error) {
  auto& st = self->state;
  if (error)
    add_log(self, database_task, run_log_level::error, error.message);
  if (st.orphaned)
    end_run(self, run_status::interrupted);
  else if (st.cancel_requested && !st.failed && !error)
    end_run(self, st.shutting_down ? run_status::interrupted
                                    : run_status::cancelled);
  else
    end_run(self, run_status::failed);
}

} // namespace

std::string progress_message(const std::string& phase, int percent) {
  auto n = std::to_string(percent) + "%";
  if (phase == "clone")
    return "Database data clone progress: " + n;
  if (phase == "snapshot")
    return "Creating Snapshot Progress: " + n;
  return "Restoring Snapshot Progress: " + n;
}

run_actor::behavior_type run(run_pointer self, run_plan plan) {
  auto& st = self->state;
  st.plan = std::move(plan);
  // However this actor ends (also killed, or with its org actor gone), its
  // tasks stop at their next safe point instead of copying on for nobody.
  self->attach_functor([cancel = st.cancel] { cancel->store(true); });
  const char* names[] = {database_task_name, index_task_name};
  for (int32_t i = 0; i < 2; ++i) {
    st.tasks[i] = {st.plan.task_ids.at(i), names[i], task_status::running, "",
                  0};
    st.logged[i] = {"", -1};
    if (!st.plan.recorded_running)
      set_task(self, i);
  }
  st.info = st.plan.info;
  st.info.started_at = st.info.created_at;
  if (!st.plan.recorded_running) {
    st.pending.status = run_status::running;
    st.pending.started_at = st.info.started_at = now_ms();
  }
  st.pool_user = st.plan.svc->blocking.enter();
  // The base's files through the content-store pool's connections: a base
  // synced from again and again stays open between runs.
  auto snapshot = std::make_shared<persistence::base_snapshot>(
    st.plan.base_dir(), st.plan.svc->guards.get(st.plan.base_key),
    st.plan.svc->stores, st.plan.base_key, st.plan.base_generation);
  for (int32_t i = 0; i < 2; ++i) {
    task_inputs in{i, snapshot, st.plan.new_dir(), st.cancel,
                   st.plan.svc->copy_bytes_per_second};
    auto task = i == database_task ? sync_database_task : sync_index_task;
    auto base_file = st.plan.base_dir()
                     / (i == database_task
                          ? persistence::content_file_name
                          : persistence::index_file_name);
    submit_copy(self, task, std::move(in), std::move(base_file));
  }
  self->send(self, tick_atom::value);
  publish_summary(self);
  return {
    [=](progress_atom, const progress_update& p) {
      auto& st = self->state;
      auto& task = st.tasks[p.task];
      task.phase = p.phase;
      task.percent = p.percent;
      set_task(self, p.task);
      publish(self, frame_kind::progress,
              {{"run_id", std::to_string(st.plan.run_id)},
               {"task", task.name},
               {"phase", p.phase},
               {"percent", p.percent}},
              0, task.name);
      // One log line per ten percent of each phase (and its start): the
      // progress bar shows every percent, the log stays readable.
      auto& [phase, tens] = st.logged[p.task];
      if (phase != p.phase || p.percent / 10 > tens) {
        phase = p.phase;
        tens = p.percent / 10;
        add_log(self, p.task, run_log_level::info,
                progress_message(p.phase, p.percent));
      }
    },
    [=](log_atom, task_log& line) {
      add_log(self, line.task, line.level, std::move(line.message));
    },
    [=](done_atom, const task_outcome& outcome) {
      on_task_done(self, outcome);
    },
    [=](cancel_atom) {
      auto& st = self->state;
      if (st.cancel_requested || st.committing)
        return; // too late: the switch is being committed
      st.cancel_requested = true;
      st.cancel->store(true);
      add_log(self, database_task, run_log_level::warning,
              "Cancellation requested: stopping at the next safe point.");
    },
    [=](shutdown_atom) {
      auto& st = self->state;
      if (st.cancel_requested || st.committing)
        return; // a cancel or the switch is already under way
      st.cancel_requested = true;
      st.shutting_down = true;
      st.cancel->store(true);
      add_log(self, database_task, run_log_level::warning,
              "The server is shutting down: stopping at the next safe point.");
    },
    [=](switched_atom, const api_error& error) {
      on_switched(self, error);
    },
    [=](discarded_atom, const api_error& error) {
      on_discarded(self, error);
    },
    [=](tick_atom) {
      persist_pending(self);
      self->delayed_send(self, persist_interval, tick_atom::value);
    },
    [=](adopt_atom, org_actor& successor) {
      auto& st = self->state;
      st.plan.org = std::move(successor);
      st.orphaned = true;
      if (st.final_report) {
        // Ended already; only the report was lost with the old org actor.
        st.final_report->status = run_status::interrupted;
        report_end(self);
        return;
      }
      if (st.cancel_requested || st.committing)
        return; // stopping already; it ends interrupted (orphaned)
      st.cancel_requested = true;
      st.shutting_down = true;
      st.cancel->store(true);
      add_log(self, database_task, run_log_level::warning,
              "The organization's actor stopped unexpectedly: stopping at "
              "the next safe point; the target keeps its previous data.");
    },
  };
}

} // namespace downhill
