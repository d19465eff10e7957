#include "throughput/bench_org.hpp"

#include <chrono>
#include <stdexcept>

namespace downhill::bench {

namespace {

using clock_type = std::chrono::steady_clock;
using client::json;

/// Far beyond a healthy run of a few small entries, even on a loaded
/// machine; a run that takes longer is a failure, not a slow sample.
constexpr auto run_deadline = std::chrono::seconds(60);

/// "A few small entries": the sync copies real rows and a real index, but
/// the work per run stays dominated by the run's fixed costs.
constexpr int entries_in_main = 3;

double ms_between(clock_type::time_point from, clock_type::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

void require_status(const client::response& r, int status,
                    const std::string& what) {
  if (r.status != status)
    throw std::runtime_error(what + ": expected " + std::to_string(status)
                             + ", got " + std::to_string(r.status) + " "
                             + r.body);
}

} // namespace

bench_org::bench_org(client::endpoint server, std::string name,
                     std::string token)
  : server_(std::move(server)), name_(std::move(name)),
    token_(std::move(token)), user_(server_, token_) {
}

bench_org bench_org::set_up(const client::endpoint& server,
                            const std::string& admin_token,
                            const std::string& name) {
  client::http_client admin{server, admin_token};
  require_status(admin.post("/api/v1/orgs", {{"name", name}}), 201,
                 name + ": create organization");
  auto user = admin.post("/api/v1/orgs/" + name + "/users",
                         {{"name", "bench"}});
  require_status(user, 201, name + ": create user");
  bench_org org{server, name, user.data()["token"].get<std::string>()};

  auto main_path = "/api/v1/orgs/" + name + "/environments/main";
  for (int i = 0; i < entries_in_main; ++i) {
    auto id = "entry-" + std::to_string(i);
    require_status(
      org.user_.put(main_path + "/entries/" + id,
                    {{"content_type", "article"},
                     {"locale", "en"},
                     {"title", "Entry " + std::to_string(i) + " of " + name},
                     {"body", "A small body for the throughput bench: river "
                              "stone cloud ember frost, number "
                                + std::to_string(i) + "."}}),
      200, name + ": put " + id);
  }
  org.submit_and_follow({{"name", "Create child"},
                         {"type", "create_environment"},
                         {"base_environment", "main"},
                         {"new_environment", "child"},
                         {"schedule", {{"kind", "now"}}}});
  return org;
}

bench_org bench_org::existing(const client::endpoint& server,
                              const std::string& name,
                              const std::string& token) {
  return bench_org{server, name, token};
}

sync_timing bench_org::sync_once() const {
  return submit_and_follow({{"name", "Sync main into child"},
                            {"type", "sync_environments"},
                            {"base_environment", "main"},
                            {"target_environment", "child"},
                            {"schedule", {{"kind", "now"}}}});
}

sync_timing bench_org::submit_and_follow(const json& job) const {
  auto start = clock_type::now();
  auto submitted = user_.post("/api/v1/orgs/" + name_ + "/jobs", job);
  auto accepted = clock_type::now();
  require_status(submitted, 201,
                 name_ + ": submit " + job["type"].get<std::string>());
  std::string run_id = submitted.data()["run"]["id"];
  client::ws_client events{
    server_, "/api/v1/orgs/" + name_ + "/runs/" + run_id + "/events", token_};
  auto streaming = clock_type::now();
  auto run = follow_to_end(events, run_id);
  auto ended = clock_type::now();
  if (run.value("status", "") != "succeeded")
    throw std::runtime_error(name_ + ": run " + run_id + " ended "
                             + run.value("status", "") + ": " + run.dump());
  sync_timing t;
  t.submit_ms = ms_between(start, accepted);
  t.stream_open_ms = ms_between(accepted, streaming);
  t.end_to_end_ms = ms_between(start, ended);
  t.server_ms = run.value("elapsed_ms", 0.0);
  return t;
}

json bench_org::follow_to_end(client::ws_client& events,
                             const std::string& run_id) const {
  auto until = clock_type::now() + run_deadline;
  // The stream starts with the run's summary (its final one if the run
  // has already ended), then its logs; a live run's last frame is its
  // final summary.
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      until - clock_type::now());
    if (left.count() <= 0)
      throw std::runtime_error(name_ + ": run " + run_id
                               + " did not end within 60 s");
    auto frame = events.next(left);
    if (!frame && events.closed())
      throw std::runtime_error(
        name_ + ": run " + run_id + ": the event stream closed (code "
        + std::to_string(events.close_code()) + " " + events.close_reason()
        + ") before the run ended");
    if (!frame)
      throw std::runtime_error(name_ + ": run " + run_id
                               + ": no final frame within 60 s, or the "
                                 "connection broke");
    if (frame->value("type", "") != "run")
      continue;
    auto status = (*frame)["run"].value("status", "");
    if (status != "queued" && status != "running") {
      events.close();  // politely, as the CLI does
      return (*frame)["run"];
    }
  }
}

} // namespace downhill::bench
