// The recurring-job scheduler actor on a fake clock (CAF's deterministic
// test coordinator): it fires each slot at its instant and not a
// millisecond before, fires a slot missed while the server was down once,
// pauses and resumes without a burst, keeps one timer for the earliest job,
// and records each firing's next slot. No sleep: time moves when the test
// advances it.
#include "deterministic_actors.hpp"

#include "actors/interfaces.hpp"
#include "scheduler/scheduler_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace downhill;
using downhill::testing::deterministic_actors;
using std::chrono::milliseconds;

namespace {

/// What reached the organization: which job, for which planned instant,
/// and when (fake time).
struct firing {
  int64_t job_id = 0;
  int64_t planned = 0;
  int64_t at = 0;
  size_t batch = 0;  // the number of the message it came in (from 1)
};

/// Stands in for an org actor: notes every firing with the fake time.
fire_target::behavior_type
recording_org(fire_target::pointer, std::vector<firing>* log,
              std::function<int64_t()> now) {
  return {
    [=](fire_atom, const firing_batch& batch) {
      auto number = (log->empty() ? 0 : log->back().batch) + 1;
      for (auto& fired : batch)
        log->push_back({fired.spec->job_id, fired.planned, now(), number});
    },
  };
}

/// A scheduling state the scheduler handed the control-plane writer.
struct recorded_state {
  persistence::schedule_state state;
  bool durable = false;  // asked to commit before answering (pause, ...)
  size_t message = 0;    // the number of the message it came in (from 1)
};

/// Stands in for the control-plane writer: notes the scheduling states it
/// is given and answers everything else with an empty success.
control_plane_writer_actor::behavior_type
recording_writer(control_plane_writer_actor::pointer,
                 std::vector<recorded_state>* states) {
  return {
    [](persist_atom, const persistence::run_progress&) {},
    [](persist_atom, const persistence::run_progress&, durable_atom) {
      return api_error{};
    },
    [](create_atom, const persistence::new_run&) {
      return created_run_reply{};
    },
    [](create_atom, const persistence::org_record&) {
      return created_org_reply{};
    },
    [](create_atom, const persistence::user_record&) { return api_error{}; },
    [](remove_atom, int64_t) { return api_error{}; },
    [](create_atom, const persistence::job_record&) {
      return created_job_reply{};
    },
    [=](persist_atom, const persistence::schedule_state& s) {
      auto number = (states->empty() ? 0 : states->back().message) + 1;
      states->push_back({s, false, number});
    },
    [=](persist_atom, const persistence::schedule_state& s, durable_atom) {
      auto number = (states->empty() ? 0 : states->back().message) + 1;
      states->push_back({s, true, number});
      return api_error{};
    },
    [](persist_atom, const persistence::skipped_firing&) {},
    [](list_atom, const std::string&) { return org_snapshot{}; },
    [](flush_atom) {},
    [](create_atom, const std::vector<persistence::new_run>& runs) {
      return std::vector<created_run_reply>(runs.size());
    },
    [=](persist_atom, const std::vector<persistence::schedule_state>& pass) {
      auto number = (states->empty() ? 0 : states->back().message) + 1;
      for (auto& s : pass)
        states->push_back({s, false, number});
    },
    [](persist_atom, const std::vector<persistence::skipped_firing>&) {},
  };
}

constexpr int64_t second = 1000;

struct scheduler_fixture : deterministic_actors {
  scheduler_fixture() {
    org = sys.spawn(recording_org, &firings, clock());
    writer = sys.spawn(recording_writer, &states);
    scheduler = sys.spawn(recurring_scheduler, writer, clock());
    t0 = now_ms();
  }

  /// The actors write into this fixture's members: they stop first (a
  /// timer still pending then reaches no one).
  ~scheduler_fixture() {
    for (auto& hdl : std::vector<caf::actor_addr>{org.address(),
                                                  writer.address(),
                                                  scheduler.address()})
      caf::anon_send_exit(hdl, caf::exit_reason::kill);
    run();
  }

  /// A recurring sync every `every` seconds, its phase set by `anchor`,
  /// due next at `next_run_at` (in the past: a slot missed while down).
  recurring_job interval_job(int64_t id, int64_t every, int64_t anchor,
                             int64_t next_run_at) {
    recurring_job job;
    job.spec.job_id = id;
    job.spec.name = "job " + std::to_string(id);
    job.spec.type = persistence::job_type::sync_environments;
    job.spec.base_environment = "main";
    job.spec.target_environment = "staging";
    job.spec.trigger = "schedule";
    job.spec.created_by = "scheduler";
    auto parsed = scheduler::parse_schedule(
      R"({"kind":"interval","every_seconds":)" + std::to_string(every) + "}");
    REQUIRE(parsed.value);
    job.spec.schedule = *parsed.value;
    job.org_id = "acme";
    job.org = org;
    job.anchor = anchor;
    job.next_run_at = next_run_at;
    return job;
  }

  void hold(recurring_job job) {
    caf::anon_send(scheduler, register_atom::value, std::move(job));
    run();
  }

  /// Advances the fake time to t0 + `ms`.
  void advance_to(int64_t ms) {
    REQUIRE(t0 + ms >= now_ms());
    advance(milliseconds{t0 + ms - now_ms()});
  }

  /// Advances to t0 + `ms` a second at a time, as a running server would
  /// see the time pass.
  void walk_to(int64_t ms) {
    while (now_ms() + second < t0 + ms)
      advance(milliseconds{second});
    advance_to(ms);
  }

  /// The planned instants (relative to t0) of the firings of `job_id`.
  std::vector<int64_t> planned_of(int64_t job_id) const {
    std::vector<int64_t> result;
    for (auto& f : firings)
      if (f.job_id == job_id)
        result.push_back(f.planned - t0);
    return result;
  }

  std::vector<firing> firings;
  std::vector<recorded_state> states;
  fire_target org;
  control_plane_writer_actor writer;
  scheduler_actor scheduler;
  int64_t t0 = 0;
};

using slots = std::vector<int64_t>;

} // namespace

TEST_CASE_METHOD(scheduler_fixture, "an interval job fires at each slot's "
                                    "instant, never before it") {
  hold(interval_job(1, 10, t0, t0 + 10 * second));
  CHECK(firings.empty());
  advance_to(10 * second - 1);
  CHECK(firings.empty());
  advance_to(10 * second);
  REQUIRE(firings.size() == 1);
  CHECK(firings[0].job_id == 1);
  CHECK(firings[0].planned == t0 + 10 * second);
  CHECK(firings[0].at == t0 + 10 * second);
  walk_to(40 * second);
  CHECK(planned_of(1) == slots{10 * second, 20 * second, 30 * second,
                               40 * second});
  for (auto& f : firings)
    CHECK(f.at == f.planned);
  // Each firing recorded the job's next slot and the slot it fired for.
  REQUIRE(states.size() == 4);
  for (size_t i = 0; i < states.size(); ++i) {
    auto fired = t0 + static_cast<int64_t>(i + 1) * 10 * second;
    CHECK(states[i].state.job_id == 1);
    CHECK(states[i].state.last_fired_at == fired);
    CHECK(states[i].state.next_run_at == fired + 10 * second);
    CHECK_FALSE(states[i].durable);
  }
}

TEST_CASE_METHOD(scheduler_fixture, "a slot missed while the server was "
                                    "down fires once at start-up, then the "
                                    "schedule goes on from now") {
  // Created 95 s ago, every 10 s: due 25 s ago, and the slots at -15 s and
  // -5 s passed too while nothing ran. The next regular slot is at +5 s.
  hold(interval_job(1, 10, t0 - 95 * second, t0 - 25 * second));
  advance(milliseconds{0});
  REQUIRE(firings.size() == 1);
  CHECK(firings[0].planned == t0 - 25 * second);
  CHECK(firings[0].at == t0);
  REQUIRE(states.size() == 1);
  CHECK(states[0].state.next_run_at == t0 + 5 * second);
  CHECK(states[0].state.last_fired_at == t0 - 25 * second);
  // No burst of the other missed slots; the next one comes at its time.
  walk_to(5 * second - 1);
  CHECK(firings.size() == 1);
  advance_to(5 * second);
  CHECK(planned_of(1) == slots{-25 * second, 5 * second});
  walk_to(25 * second);
  CHECK(planned_of(1)
        == slots{-25 * second, 5 * second, 15 * second, 25 * second});
}

TEST_CASE_METHOD(scheduler_fixture, "a paused job does not fire, and resumed it "
                                    "fires at its next slot after now, "
                                    "without the missed ones") {
  hold(interval_job(1, 10, t0, t0 + 10 * second));
  advance_to(10 * second);
  REQUIRE(firings.size() == 1);
  advance_to(12 * second);

  auto paused = ask<api_error>(scheduler, pause_atom::value, int64_t{1});
  CHECK_FALSE(paused);
  REQUIRE(states.size() == 2);
  CHECK(states[1].durable);  // committed before the answer
  CHECK(states[1].state.next_run_at == 0);
  walk_to(45 * second);
  CHECK(firings.size() == 1);

  auto resumed = ask<api_error>(scheduler, resume_atom::value, int64_t{1});
  CHECK_FALSE(resumed);
  REQUIRE(states.size() == 3);
  CHECK(states[2].durable);
  CHECK(states[2].state.next_run_at == t0 + 50 * second);
  advance_to(50 * second - 1);
  CHECK(firings.size() == 1);
  advance_to(50 * second);
  CHECK(planned_of(1) == slots{10 * second, 50 * second});

  // Paused and resumed within one slot: that slot fires once, not twice
  // (the timer armed before the pause must not fire it again).
  advance_to(52 * second);
  CHECK_FALSE(ask<api_error>(scheduler, pause_atom::value, int64_t{1}));
  advance_to(53 * second);
  CHECK_FALSE(ask<api_error>(scheduler, resume_atom::value, int64_t{1}));
  walk_to(65 * second);
  CHECK(planned_of(1) == slots{10 * second, 50 * second, 60 * second});

  // A job the scheduler does not hold: not_found, nothing recorded.
  auto before = states.size();
  CHECK(ask<api_error>(scheduler, pause_atom::value, int64_t{7}).code
        == error_code::not_found);
  CHECK(ask<api_error>(scheduler, resume_atom::value, int64_t{7}).code
        == error_code::not_found);
  CHECK(states.size() == before);
}

TEST_CASE_METHOD(scheduler_fixture, "a job due earlier than the armed timer "
                                    "fires first, and a removed job never fires "
                                    "again") {
  // The one timer is armed for job 1, a minute away.
  hold(interval_job(1, 60, t0, t0 + 60 * second));
  // Job 2, every 5 s, is due before it: the timer is re-armed for it.
  hold(interval_job(2, 5, t0, t0 + 5 * second));
  advance_to(5 * second);
  REQUIRE(firings.size() == 1);
  CHECK(firings[0].job_id == 2);
  walk_to(20 * second);
  CHECK(planned_of(2) == slots{5 * second, 10 * second, 15 * second,
                               20 * second});
  CHECK(planned_of(1).empty());

  CHECK_FALSE(ask<api_error>(scheduler, remove_atom::value, int64_t{2}));
  CHECK(states.back().durable);
  walk_to(60 * second);
  CHECK(planned_of(2).size() == 4);
  CHECK(planned_of(1) == slots{60 * second});
  CHECK(firings.back().at == t0 + 60 * second);
  CHECK(ask<api_error>(scheduler, remove_atom::value, int64_t{2}).code
        == error_code::not_found);
}

TEST_CASE_METHOD(scheduler_fixture, "a replaced organization's jobs fire at "
                                    "its new actor") {
  std::vector<firing> at_new;
  auto replacement = sys.spawn(recording_org, &at_new, clock());
  hold(interval_job(1, 10, t0, t0 + 10 * second));
  advance_to(10 * second);
  CHECK(firings.size() == 1);
  caf::anon_send(scheduler, register_atom::value, std::string{"acme"},
                 replacement);
  run();
  advance_to(20 * second);
  CHECK(firings.size() == 1);
  REQUIRE(at_new.size() == 1);
  CHECK(at_new[0].planned == t0 + 20 * second);
}

TEST_CASE_METHOD(scheduler_fixture, "jobs due in the same second reach "
                                    "their organization in one message, "
                                    "their states the writer in one") {
  for (int64_t id = 1; id <= 10; ++id)
    hold(interval_job(id, 1, t0, t0 + 5 * second));
  advance_to(5 * second);
  REQUIRE(firings.size() == 10);
  for (size_t i = 0; i < firings.size(); ++i) {
    // In the order they were registered (the order of their slot's bucket).
    CHECK(firings[i].job_id == static_cast<int64_t>(i + 1));
    CHECK(firings[i].planned == t0 + 5 * second);
    CHECK(firings[i].batch == 1);
  }
  REQUIRE(states.size() == 10);
  for (auto& recorded : states) {
    CHECK(recorded.message == 1);
    CHECK(recorded.state.last_fired_at == t0 + 5 * second);
    CHECK(recorded.state.next_run_at == t0 + 6 * second);
  }
  // The next second: the next pass, the next message.
  advance_to(6 * second);
  REQUIRE(firings.size() == 20);
  CHECK(firings.back().batch == 2);
  CHECK(states.back().message == 2);
}
