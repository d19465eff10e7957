#include "actors/control_plane_writer.hpp"

#include "actors/fault_injection.hpp"
#include "actors/services.hpp"
#include "actors/server_log.hpp"

#include "metrics/server_metrics.hpp"
#include "persistence/content_store.hpp"
#include "persistence/control_plane.hpp"
#include "persistence/environment_layout.hpp"

#include <caf/exit_reason.hpp>
#include <caf/sec.hpp>
#include <caf/system_messages.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>


namespace downhill {

namespace {

using writer_pointer
  = control_plane_writer_actor::stateful_pointer<control_plane_writer_state>;

/// How long queued progress may wait before it is committed: short enough
/// that readers see live numbers, long enough to batch a fast run's logs.
constexpr auto flush_delay = std::chrono::milliseconds(25);

api_error storage_failure(const std::exception& e) {
  return make_error(error_code::internal,
                    std::string{"The control-plane database failed: "}
                      + e.what());
}

created_run_reply insert_run(persistence::control_plane& db,
                             const persistence::new_run& run) {
  try {
    // Test-only (fault_injection.hpp): a scheduled firing's run is not
    // stored.
    if (run.trigger == "schedule" && inject_fault("firing-insert"))
      throw std::runtime_error("injected fault firing-insert");
    return {{}, db.insert_run(run, now_ms())};
  } catch (const std::exception& e) {
    return {storage_failure(e), {}};
  }
}

/// One INSERT: a failure leaves nothing behind and fails this job alone.
created_job_reply insert_job(persistence::control_plane& db,
                             const persistence::job_record& job) {
  try {
    // Test-only (fault_injection.hpp): the insert fails.
    if (inject_fault("job-insert"))
      throw std::runtime_error("injected fault job-insert");
    return {{}, db.insert_job(job)};
  } catch (const std::exception& e) {
    log_line(log_level::error, std::string{"cannot create job: "} + e.what());
    return {storage_failure(e), 0};
  }
}

/// Commits everything queued in one transaction (group commit: one fsync
/// for the batch, none when nothing in it must be durable). A failure is
/// reported and the batch dropped: the run actor ends the run on its own
/// final (durable) commit, which does report failures.
api_error flush(writer_pointer self, bool durable) {
  auto queued = std::move(self->state.queued);
  self->state.queued.clear();
  auto states = std::move(self->state.queued_states);
  self->state.queued_states.clear();
  self->state.state_of_job.clear();
  auto skips = std::move(self->state.queued_skips);
  self->state.queued_skips.clear();
  self->state.skip_of_job.clear();
  auto runs = std::move(self->state.waiting_runs);
  self->state.waiting_runs.clear();
  auto batches = std::move(self->state.waiting_batches);
  self->state.waiting_batches.clear();
  auto jobs = std::move(self->state.waiting_jobs);
  self->state.waiting_jobs.clear();
  auto durable_askers = std::move(self->state.waiting_durable);
  self->state.waiting_durable.clear();
  if (queued.empty() && states.empty() && skips.empty() && runs.empty()
      && batches.empty() && jobs.empty() && durable_askers.empty())
    return {};
  // A new run is durable before it is answered (a 201 survives a power
  // cut); each is inserted in a savepoint of its own, so one that fails
  // fails alone.
  std::vector<created_run_reply> replies(runs.size());
  std::vector<created_job_reply> job_replies(jobs.size());
  std::vector<std::vector<created_run_reply>> batch_replies(batches.size());
  for (size_t b = 0; b < batches.size(); ++b)
    batch_replies[b].resize(batches[b].runs.size());
  api_error outcome;
  auto answer_runs = [&] {
    for (size_t i = 0; i < runs.size(); ++i)
      runs[i].promise.deliver(std::move(replies[i]));
    for (size_t b = 0; b < batches.size(); ++b)
      batches[b].promise.deliver(std::move(batch_replies[b]));
    for (size_t i = 0; i < jobs.size(); ++i)
      jobs[i].promise.deliver(std::move(job_replies[i]));
    for (auto& asker : durable_askers)
      asker.deliver(outcome);
  };
  durable = durable || !runs.empty() || !batches.empty() || !jobs.empty()
            || !durable_askers.empty();
  try {
    // Schedule states first, new runs last: a run created for a firing is
    // in the same transaction as the firing's new state, or a later one,
    // so a crash never leaves a run whose slot would fire again.
    auto& db = *self->state.db;
    auto began = std::chrono::steady_clock::now();
    db.write_batch(
      [&] {
        for (auto& state : states)
          db.update_schedule_state(state);
        for (auto& skip : skips)
          db.record_skipped_firing(skip);
        for (auto& progress : queued)
          db.apply(progress);
        for (size_t i = 0; i < jobs.size(); ++i)
          job_replies[i] = insert_job(db, jobs[i].job);
        for (size_t i = 0; i < runs.size(); ++i)
          replies[i] = insert_run(db, runs[i].run);
        for (size_t b = 0; b < batches.size(); ++b)
          for (size_t i = 0; i < batches[b].runs.size(); ++i)
            batch_replies[b][i] = insert_run(db, batches[b].runs[i]);
      },
      durable);
    metrics::server().commit_latency.get().observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began)
        .count());
  } catch (const std::exception& e) {
    log_line(log_level::error,
             std::string{"control-plane write failed: "} + e.what());
    for (auto& reply : replies)
      reply = {storage_failure(e), {}};
    for (auto& reply : job_replies)
      reply = {storage_failure(e), 0};
    for (auto& batch : batch_replies)
      for (auto& reply : batch)
        reply = {storage_failure(e), {}};
    outcome = storage_failure(e);
    answer_runs();
    return outcome;
  }
  for (size_t i = 0; i < runs.size(); ++i)
    if (!replies[i].error)
      self->state.lifecycle.created(runs[i].run, replies[i].run);
  for (size_t b = 0; b < batches.size(); ++b)
    for (size_t i = 0; i < batches[b].runs.size(); ++i)
      if (!batch_replies[b][i].error)
        self->state.lifecycle.created(batches[b].runs[i],
                                      batch_replies[b][i].run);
  for (auto& progress : queued)
    self->state.lifecycle.committed(progress);
  answer_runs();
  return {};
}

/// Queues a recurring job's new scheduling state: merged into the one
/// already queued for the job, if any (the later state wins; the latest
/// firing is kept).
void queue_state(writer_pointer self, persistence::schedule_state state) {
  auto& st = self->state;
  auto [i, added] = st.state_of_job.emplace(state.job_id,
                                            st.queued_states.size());
  if (added) {
    st.queued_states.push_back(std::move(state));
    return;
  }
  auto& queued = st.queued_states[i->second];
  auto fired = std::max(queued.last_fired_at, state.last_fired_at);
  queued = std::move(state);
  queued.last_fired_at = fired;
}

/// Queues a skipped firing: counted into the one already queued for its
/// job, if any (the later one's time and reason are kept).
void queue_skip(writer_pointer self, persistence::skipped_firing skip) {
  auto& st = self->state;
  auto [i, added] = st.skip_of_job.emplace(skip.job_id, st.queued_skips.size());
  if (added) {
    st.queued_skips.push_back(std::move(skip));
    return;
  }
  auto& queued = st.queued_skips[i->second];
  skip.count += queued.count;
  queued = std::move(skip);
}

/// Writes everything queued and every waiting run after the messages
/// already in the mailbox: those that arrived meanwhile share the commit.
void commit_now(writer_pointer self) {
  if (!self->state.commit_scheduled) {
    self->state.commit_scheduled = true;
    self->send(self, flush_atom::value);
  }
}

/// The answer to a durable write just queued: given once the next commit
/// (shared with every write that arrives meanwhile) is durable.
caf::result<api_error> commit_durably(writer_pointer self) {
  auto promise = self->make_response_promise<api_error>();
  self->state.waiting_durable.push_back(promise);
  commit_now(self);
  return promise;
}

/// Commits what is queued within flush_delay (one timer at a time).
void flush_soon(writer_pointer self) {
  if (!self->state.flush_scheduled) {
    self->state.flush_scheduled = true;
    self->delayed_send(self, flush_delay, flush_atom::value);
  }
}

} // namespace

control_plane_writer_actor::behavior_type control_plane_writer(
  writer_pointer self, std::shared_ptr<persistence::control_plane> db,
  const persistence::environment_layout* layout) {
  // The control plane is handed over once at spawn; from here on only this
  // actor writes to it.
  self->state.db = std::move(db);
  self->state.layout = layout;
  // Stopping (the server shuts down): durable writes wait for a commit
  // that is still in the mailbox, so commit what is queued and answer
  // every asker first, rather than drop them.
  self->set_exit_handler([=](caf::exit_msg& msg) {
    flush(self, false);
    self->quit(msg.reason);
  });
  return {
    [=](persist_atom, persistence::run_progress& progress) {
      self->state.queued.push_back(std::move(progress));
      flush_soon(self);
    },
    [=](persist_atom, persistence::run_progress& progress,
        durable_atom) -> caf::result<api_error> {
      // Test-only (fault_injection.hpp): a switch's commit fails as a CAF
      // error, the kind of answer an awaiting actor must survive.
      if (progress.switch_generation != 0 && inject_fault("writer-commit")) {
        log_line("injected fault writer-commit: the switch of run "
                 + std::to_string(progress.run_id) + " is not committed");
        return caf::make_error(caf::sec::runtime_error,
                               "injected fault writer-commit");
      }
      // Test-only: a run's end is committed 5 s late (its org actor must
      // go on meanwhile). Sleeping blocks only this detached actor.
      if (inject_fault("slow-end-commit")) {
        log_line("injected fault slow-end-commit: the end of run "
                 + std::to_string(progress.run_id) + " is committed 5 s late");
        std::this_thread::sleep_for(std::chrono::seconds(5));
      }
      self->state.queued.push_back(std::move(progress));
      return commit_durably(self);
    },
    [=](flush_atom) {
      // Either kind of flush writes everything queued; the other one, if
      // on its way, then finds nothing or only what came after.
      self->state.flush_scheduled = false;
      self->state.commit_scheduled = false;
      flush(self, false);
    },
    [=](persist_atom, persistence::schedule_state& state) {
      queue_state(self, std::move(state));
      flush_soon(self);
    },
    [=](persist_atom, persistence::schedule_state& state,
        durable_atom) -> caf::result<api_error> {
      queue_state(self, std::move(state));
      return commit_durably(self);
    },
    [=](persist_atom, persistence::skipped_firing& skip) {
      queue_skip(self, std::move(skip));
      flush_soon(self);
    },
    [=](list_atom, const std::string& org_id) -> org_snapshot {
      org_snapshot snapshot;
      if (auto error = flush(self, false)) {
        snapshot.error = std::move(error);
        return snapshot;
      }
      try {
        auto& db = *self->state.db;
        for (auto& env : db.list_environments())
          if (env.org_id == org_id)
            snapshot.environments.push_back(std::move(env));
        for (auto& job : db.list_recurring_jobs())
          if (job.org_id == org_id)
            snapshot.recurring_jobs.push_back(job.id);
        snapshot.unfinished_runs = db.unfinished_runs(org_id);
        self->state.lifecycle.adopted(org_id, snapshot.unfinished_runs);
      } catch (const std::exception& e) {
        snapshot.error = storage_failure(e);
      }
      return snapshot;
    },
    [=](create_atom, persistence::job_record& job)
      -> caf::result<created_job_reply> {
      // In the next commit, with everything queued before it.
      auto promise = self->make_response_promise<created_job_reply>();
      self->state.waiting_jobs.push_back({std::move(job), promise});
      commit_now(self);
      return promise;
    },
    [=](create_atom, persistence::new_run& run)
      -> caf::result<created_run_reply> {
      // Written after what is queued (a firing's schedule state before
      // its run), in the next commit, shared with every run that comes
      // before it.
      auto promise = self->make_response_promise<created_run_reply>();
      self->state.waiting_runs.push_back({std::move(run), promise});
      commit_now(self);
      return promise;
    },
    [=](create_atom, std::vector<persistence::new_run>& runs)
      -> caf::result<std::vector<created_run_reply>> {
      // As one run: after what is queued (the pass's schedule states were
      // sent before its firings), in the next commit.
      auto promise
        = self->make_response_promise<std::vector<created_run_reply>>();
      self->state.waiting_batches.push_back({std::move(runs), promise});
      commit_now(self);
      return promise;
    },
    [=](persist_atom, std::vector<persistence::schedule_state>& states) {
      for (auto& state : states)
        queue_state(self, std::move(state));
      flush_soon(self);
    },
    [=](persist_atom, std::vector<persistence::skipped_firing>& skips) {
      for (auto& skip : skips)
        queue_skip(self, std::move(skip));
      flush_soon(self);
    },
    [=](create_atom, persistence::org_record& org) -> created_org_reply {
      auto& db = *self->state.db;
      try {
        for (auto& existing : db.list_orgs())
          if (existing.id == org.id)
            return {make_error(error_code::already_exists,
                               "An organization named '" + org.id
                                 + "' already exists."),
                    {}};
        // The main environment's files exist before its row does: a crash
        // in between leaves a directory that start-up removes.
        auto key = db.next_environment_key();
        persistence::content_store::create_empty(
          self->state.layout->generation_dir(key, 1));
        return {{}, db.insert_org(org, key)};
      } catch (const std::exception& e) {
        return {storage_failure(e), {}};
      }
    },
    [=](create_atom, persistence::user_record& user) -> api_error {
      try {
        if (self->state.db->user_exists(user.org_id, user.name))
          return make_error(error_code::already_exists,
                            "A user named '" + user.name
                              + "' already exists in this organization.");
        self->state.db->insert_user(user, now_ms());
        return {};
      } catch (const std::exception& e) {
        return storage_failure(e);
      }
    },
    [=](remove_atom, int64_t key) -> api_error {
      try {
        self->state.db->delete_environment(key);
        return {};
      } catch (const std::exception& e) {
        return storage_failure(e);
      }
    },
  };
}

} // namespace downhill
