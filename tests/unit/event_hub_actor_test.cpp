// The event hub actor under CAF's deterministic test coordinator: fan-out
// by organization and by run, the backlog a late subscriber gets (no gap,
// no duplicate), the backlog's end with the run's final frame, and a
// subscriber that never drains holding back neither the hub nor the
// others. The WebSocket session's own bounded queue (close 1008) is
// checked over a real socket (tests/server/events_test.cpp).
#include "deterministic_actors.hpp"

#include "actors/event_hub.hpp"

#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

using namespace downhill;
using downhill::testing::deterministic_actors;

namespace {

using labels = std::vector<std::string>;

/// A frame whose text names it ("r1 log 2", "r1 progress A 50", "r1 run
/// running"), so a subscriber's record reads as what it got, in order.
event_frame frame(const std::string& org, int64_t run, frame_kind kind,
                  const std::string& what, int64_t seq = 0,
                  const std::string& task = {}, bool final = false) {
  event_frame f;
  f.org_id = org;
  f.run_id = run;
  f.kind = kind;
  f.seq = seq;
  f.task = task;
  f.final = final;
  f.text = std::make_shared<const std::string>("r" + std::to_string(run) + " "
                                               + to_string(kind) + " "
                                               + what);
  return f;
}

event_frame log_line(const std::string& org, int64_t run, int64_t seq) {
  return frame(org, run, frame_kind::log, std::to_string(seq), seq);
}

event_frame progress(const std::string& org, int64_t run,
                     const std::string& task, int percent) {
  return frame(org, run, frame_kind::progress, task + " " + std::to_string(percent), 0,
               task);
}

event_frame summary(const std::string& org, int64_t run,
                    const std::string& status, bool final = false) {
  return frame(org, run, frame_kind::run, status, 0, {}, final);
}

struct hub_fixture : deterministic_actors {
  hub_fixture() : hub(sys.spawn(event_hub)) {}

  /// The sinks write into this fixture's members: the hub stops first.
  ~hub_fixture() {
    caf::anon_send_exit(hub, caf::exit_reason::kill);
    run();
  }

  /// Subscribes a new session; returns what it received (so far, and
  /// from then on).
  std::shared_ptr<labels> subscribe(const std::string& org, int64_t run_id,
                                    int64_t after = 0) {
    auto got = std::make_shared<labels>();
    subscription sub;
    sub.id = ++last_id;
    sub.org_id = org;
    sub.run_id = run_id;
    sub.after = after;
    sub.deliver = [got](const shared_frame& f) { got->push_back(*f->text); };
    caf::anon_send(hub, subscribe_atom::value, std::move(sub));
    run();
    return got;
  }

  /// Publishes frames, each handled before the next is sent.
  void publish(std::initializer_list<event_frame> frames) {
    for (auto& f : frames) {
      caf::anon_send(hub, publish_atom::value, f);
      run();
    }
  }

  event_hub_actor hub;
  uint64_t last_id = 0;
};

} // namespace

TEST_CASE_METHOD(hub_fixture, "the hub fans a frame out to its "
                              "organization's subscribers and its run's, "
                              "in order, and to no one else") {
  auto org_wide = subscribe("acme", 0);
  auto run_one = subscribe("acme", 1);
  auto other_org = subscribe("zeta", 0);
  publish({summary("acme", 1, "running"), log_line("acme", 1, 1),
           progress("acme", 1, "A", 10), log_line("acme", 2, 1),
           log_line("acme", 1, 2), log_line("zeta", 3, 1)});
  CHECK(*org_wide
        == labels{"r1 run running", "r1 log 1", "r1 progress A 10",
                  "r2 log 1", "r1 log 2"});
  CHECK(*run_one
        == labels{"r1 run running", "r1 log 1", "r1 progress A 10",
                  "r1 log 2"});
  CHECK(*other_org == labels{"r3 log 1"});

  // A closed session gets nothing more; the others go on.
  caf::anon_send(hub, unsubscribe_atom::value, uint64_t{1});
  run();
  publish({log_line("acme", 1, 3)});
  CHECK(org_wide->size() == 5);
  CHECK(run_one->back() == "r1 log 3");
}

TEST_CASE_METHOD(hub_fixture, "a subscriber joining mid-run gets the latest "
                              "summary, the lines after `after` and the "
                              "latest progress per task, then live frames, "
                              "with no gap and no duplicate") {
  publish({summary("acme", 1, "queued"), log_line("acme", 1, 1),
           progress("acme", 1, "A", 10), log_line("acme", 1, 2),
           progress("acme", 1, "B", 20), progress("acme", 1, "A", 50),
           summary("acme", 1, "running"), log_line("acme", 1, 3)});
  auto joined = subscribe("acme", 1, 1);
  CHECK(*joined
        == labels{"r1 run running", "r1 log 2", "r1 log 3",
                  "r1 progress A 50", "r1 progress B 20"});
  publish({log_line("acme", 1, 4)});
  CHECK(joined->back() == "r1 log 4");

  // An organization stream replays each active run of its organization
  // from the first line; another run's backlog is not in a run stream.
  publish({log_line("acme", 2, 1)});
  auto org_wide = subscribe("acme", 0);
  CHECK(*org_wide
        == labels{"r1 run running", "r1 log 1", "r1 log 2", "r1 log 3",
                  "r1 log 4", "r1 progress A 50", "r1 progress B 20",
                  "r2 log 1"});
  CHECK(joined->back() == "r1 log 4");
}

TEST_CASE_METHOD(hub_fixture, "after a run's final frame the hub keeps "
                              "nothing of it: later subscribers read it from "
                              "storage") {
  auto live = subscribe("acme", 1);
  publish({summary("acme", 1, "running"), log_line("acme", 1, 1),
           summary("acme", 1, "succeeded", true)});
  CHECK(live->back() == "r1 run succeeded");
  CHECK(subscribe("acme", 1)->empty());
  CHECK(subscribe("acme", 0)->empty());
  // Another run of the organization is still replayed.
  publish({log_line("acme", 2, 1)});
  CHECK(*subscribe("acme", 0) == labels{"r2 log 1"});
}

TEST_CASE_METHOD(hub_fixture, "a subscriber that never drains holds back "
                              "neither the hub nor the other subscribers") {
  // The stalled session's sink only appends, as a session's sink posts to
  // its socket's queue; nothing ever takes its frames away.
  auto stalled = subscribe("acme", 0);
  auto reader = subscribe("acme", 0);
  size_t published = 0;
  for (int64_t run_id = 1; run_id <= 40; ++run_id) {
    for (int64_t seq = 1; seq <= 25; ++seq) {
      caf::anon_send(hub, publish_atom::value, log_line("acme", run_id, seq));
      // One message, handled in one step: the hub waits for no subscriber
      // (no request, no acknowledgement) before the next frame...
      CHECK(run() == 1);
      ++published;
      // ... and the reader has the frame as soon as the hub handled it.
      CHECK(reader->size() == published);
    }
    caf::anon_send(hub, publish_atom::value,
                   summary("acme", run_id, "succeeded", true));
    CHECK(run() == 1);
    ++published;
  }
  CHECK(reader->size() == published);
  // The hub drops nothing for the stalled one either: cutting off a slow
  // client is its WebSocket session's decision (close 1008).
  CHECK(*stalled == *reader);
}
