// Actors under CAF's deterministic test coordinator, from Catch2 tests.
//
// CAF 0.17's own fixture (caf/test/dsl.hpp: test_coordinator_fixture,
// expect, allow) is not used: its checks report to CAF's unit-test engine
// (caf/test/unit_test.hpp, CAF_CHECK, CAF_FAIL), not to Catch, so a failed
// `expect` would not fail a Catch test; and it uses an unprefixed FAIL of
// its own. This fixture sets up the same coordinator ("testing" scheduler
// policy) and drives it directly: nothing runs until the test says so, on
// the test's thread, and time moves only when the test advances it.
#pragma once

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/blocking_actor.hpp>
#include <caf/response_handle.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <utility>

namespace downhill::testing {

struct deterministic_actors {
  deterministic_actors()
    : sys(configure(cfg)),
      sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())),
      self(sys, true),
      start(sched.clock().current_time) {}

  ~deterministic_actors() { run(); }

  /// Lets every actor handle every message in its mailbox, in FIFO order,
  /// until none is left. No timer fires. Returns the messages handled.
  size_t run() {
    size_t handled = 0;
    while (sched.try_run_once())
      ++handled;
    return handled;
  }

  /// Moves the fake time forward: timers (delayed messages) that come due
  /// are delivered, then run() handles what they caused.
  void advance(std::chrono::milliseconds by) {
    sched.advance_time(by);
    run();
  }

  /// The fake time in ms since the Unix epoch: epoch_ms when the fixture
  /// was built, moved only by advance(). An actor given this clock and the
  /// coordinator's timers agree on what time it is.
  int64_t now_ms() const {
    using namespace std::chrono;
    return epoch_ms
           + duration_cast<milliseconds>(sched.clock().current_time - start)
               .count();
  }

  /// Sends a request from `self`, lets the actors run, and returns the
  /// answer. Fails the test if none came (or an error did): the answer can
  /// only have arrived by then, nothing runs behind the test's back.
  template <class Reply, class Handle, class... Ts>
  Reply ask(const Handle& to, Ts&&... xs) {
    auto pending = self->request(to, caf::infinite, std::forward<Ts>(xs)...);
    run();
    if (self->mailbox().empty())
      throw std::logic_error("the request was not answered");
    Reply result{};
    pending.receive([&](Reply& reply) { result = std::move(reply); },
                    [&](caf::error& e) {
                      throw std::logic_error("the request failed: "
                                             + sys.render(e));
                    });
    return result;
  }

  /// The fake clock as an injectable std::function.
  std::function<int64_t()> clock() const {
    return [this] { return now_ms(); };
  }

  /// 2023-11-14T22:13:00Z, a whole minute: slot arithmetic stays readable.
  static constexpr int64_t epoch_ms = 1'700'000'000'000 - 20'000;

  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  caf::scoped_actor self;  // sends requests and receives their answers

private:
  static caf::actor_system_config& configure(caf::actor_system_config& cfg) {
    cfg.set("scheduler.policy", caf::atom("testing"));
    cfg.set("logger.file-verbosity", caf::atom("quiet"));
    cfg.set("logger.console-verbosity", caf::atom("quiet"));
    return cfg;
  }

  caf::detail::test_actor_clock::time_point start;
};

} // namespace downhill::testing
