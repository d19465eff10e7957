#include "actors/environment_tasks.hpp"

#include "actors/task_reporting.hpp"
#include "persistence/crash_points.hpp"
#include "persistence/environment_copy.hpp"

#include <caf/blocking_actor.hpp>

#include <filesystem>
#include <mutex>

namespace downhill {

namespace {

/// How long the switch waits for the org actor to commit it. A sync waits
/// holding the target's guard exclusively, so it must not wait forever: an
/// org actor that stopped with the request in hand never answers (CAF 0.17
/// reports no broken promise), and every request on the target, and the
/// server's shutdown, would wait with it. The commit itself is one small
/// SQLite transaction; a minute is far beyond any healthy answer.
constexpr auto commit_timeout = std::chrono::seconds(60);

/// Asks the org actor to commit `progress` (the switch) durably, make the
/// new generation current and release the target, and waits for the answer (this actor is detached: waiting
/// blocks only its own thread). `answered` is false when the org actor did
/// not answer (it stopped, or not within commit_timeout): then nobody knows
/// whether the switch reached the writer, so the caller must not delete
/// either generation.
api_error commit_durably(caf::blocking_actor* self, const run_plan& plan,
                         persistence::run_progress progress, bool& answered) {
  api_error result
    = make_error(error_code::internal, "The control plane did not answer.");
  answered = false;
  self
    ->request(plan.org, commit_timeout, switch_atom::value,
              std::move(progress))
    .receive(
      [&](api_error& e) {
        result = std::move(e);
        answered = true;
      },
      [&](caf::error& e) {
        result = make_error(error_code::internal,
                            "The organization's actor did not confirm the "
                            "switch ("
                              + to_string(e)
                              + "); whether it was committed is unknown, so "
                                "both generations are left for start-up "
                                "recovery.");
      });
  return result;
}

} // namespace

void commit_run(caf::blocking_actor* self, run_actor run, run_plan plan,
                persistence::run_progress final_progress) {
  auto new_dir = plan.new_dir();
  api_error result;
  bool answered = true;
  try {
    if (plan.creates_environment) {
      {
        auto content = persistence::open_new_content(new_dir);
        persistence::clear_create_exclusions(content);
      }
      persistence::flush_generation(new_dir);
      persistence::crash_point("before-switch");
      result = commit_durably(self, plan, std::move(final_progress), answered);
      persistence::crash_point("after-switch");
    } else {
      // Held exclusively from the copy of the target's own kinds until the
      // switch is committed: a webhook added in between would otherwise be
      // lost, and a reader would otherwise see the old files vanish.
      auto guard = plan.svc->guards.get(plan.target_key);
      std::unique_lock<std::shared_mutex> exclusive{guard->mutex};
      {
        auto content = persistence::open_new_content(new_dir);
        persistence::keep_target_unsynced_kinds(content, plan.target_dir());
      }
      persistence::flush_generation(new_dir);
      persistence::crash_point("before-switch");
      // The org actor makes the new generation current (in the guard too)
      // while this step holds the guard.
      result = commit_durably(self, plan, std::move(final_progress), answered);
      persistence::crash_point("after-switch");
      if (!result)
        plan.svc->stores.forget(plan.target_key); // the old generation's

    }
  } catch (const std::exception& e) {
    result = make_error(error_code::internal, describe_failure(e));
  }
  try {
    if (!answered) {
      // The outcome is unknown: either generation may be the current one in
      // the control plane, so neither is deleted. Start-up recovery keeps
      // the one the control plane names and removes the other.
    } else if (result) {
      std::filesystem::remove_all(new_dir);
    } else if (!plan.creates_environment) {
      // Only the generation this run replaced: the next run of the org may
      // already be building its own beside it (it starts as soon as the
      // switch released the target). Start-up removes anything else.
      std::filesystem::remove_all(plan.target_dir());
    }
  } catch (const std::exception&) {
    // Leftovers are removed at the next start.
  }
  self->send(run, switched_atom::value, std::move(result));
}

void discard_run(caf::blocking_actor* self, run_actor run, run_plan plan) {
  api_error result;
  try {
    if (plan.creates_environment)
      plan.svc->layout.remove_environment(plan.target_key);
    else
      std::filesystem::remove_all(plan.new_dir());
  } catch (const std::exception& e) {
    // Not fatal for the target: the files are garbage, removed at start-up.
    result = make_error(error_code::internal, describe_failure(e));
  }
  self->send(run, discarded_atom::value, std::move(result));
}

} // namespace downhill
