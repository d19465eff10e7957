// GET /metrics: Prometheus' text format that a scraper parses (HELP and
// TYPE before each family's samples, cumulative histogram buckets ending
// in +Inf = _count, _sum), and numbers that move when runs, requests and
// event streams happen.
#include "org_fixture.hpp"
#include "ws_client.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

using namespace downhill::testing;
using namespace std::chrono_literals;

namespace {

/// One scrape: each sample's value under its name with labels as printed
/// ("downhill_runs_finished_total{type=\"x\",status=\"y\"}").
struct scrape {
  std::map<std::string, double> samples;
  std::map<std::string, std::string> types;  // family -> TYPE

  double operator[](const std::string& key) const {
    auto i = samples.find(key);
    if (i == samples.end())
      FAIL("no sample " << key);
    return i->second;
  }
};

/// Parses the text format strictly enough that a malformed line fails.
scrape parse(const std::string& text) {
  static const std::regex help{R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+)"};
  static const std::regex type{
    R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram))"};
  static const std::regex sample{
    R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_]+="[^"]*"(,[a-zA-Z_]+="[^"]*")*\})? ([-+0-9.eInfNa]+))"};
  scrape out;
  std::set<std::string> helped;
  std::istringstream lines{text};
  std::string line;
  while (std::getline(lines, line)) {
    INFO(line);
    std::smatch m;
    if (std::regex_match(line, m, help)) {
      helped.insert(m[1]);
    } else if (std::regex_match(line, m, type)) {
      CHECK(helped.count(m[1]));  // HELP comes first
      out.types[m[1]] = m[2];
    } else {
      REQUIRE(std::regex_match(line, m, sample));
      std::string name = m[1];
      // The sample belongs to a family announced before it.
      auto family = name;
      for (auto suffix : {"_bucket", "_sum", "_count"}) {
        auto n = std::string{suffix}.size();
        if (!out.types.count(family) && name.size() > n
            && name.compare(name.size() - n, n, suffix) == 0)
          family = name.substr(0, name.size() - n);
      }
      REQUIRE(out.types.count(family));
      auto value = m[4] == "+Inf" ? INFINITY : std::stod(m[4]);
      CHECK(out.samples.emplace(name + std::string{m[2]}, value).second);
    }
  }
  return out;
}

/// A histogram without labels: buckets ascend and accumulate, +Inf is
/// the count, and the sum is there.
void check_histogram(const scrape& s, const std::string& name) {
  INFO(name);
  REQUIRE(s.types.at(name) == "histogram");
  static const std::regex le{R"re(\{le="([^"]+)"\})re"};
  // std::map orders by text; walk the buckets in bound order instead.
  std::vector<std::pair<double, double>> ordered;
  for (auto& [key, value] : s.samples) {
    if (key.rfind(name + "_bucket{", 0) != 0)
      continue;
    std::smatch m;
    REQUIRE(std::regex_search(key, m, le));
    ordered.emplace_back(m[1] == "+Inf" ? INFINITY : std::stod(m[1]), value);
  }
  REQUIRE(ordered.size() > 1);
  std::sort(ordered.begin(), ordered.end());
  double last_bound = -INFINITY;
  double last_count = 0;
  for (auto& [bound, count] : ordered) {
    CHECK(bound > last_bound);
    CHECK(count >= last_count);
    last_bound = bound;
    last_count = count;
  }
  CHECK(std::isinf(ordered.back().first));
  CHECK(ordered.back().second == s[name + "_count"]);
  CHECK(s[name + "_sum"] >= 0);
}

scrape get_metrics(const http_client& client) {
  auto r = client.get("/metrics");
  REQUIRE(r.status == 200);
  return parse(r.body);
}

const std::string created_ok
  = R"(downhill_runs_finished_total{type="create_environment",status="succeeded"})";
const std::string synced_ok
  = R"(downhill_runs_finished_total{type="sync_environments",status="succeeded"})";

} // namespace

TEST_CASE_METHOD(org_fixture, "GET /metrics parses as Prometheus text, and "
                              "runs, copies, commits, requests and event "
                              "frames move its numbers") {
  put_entry("main", "a", "A", "alpha words");
  // Open like /healthz: a scraper needs no token.
  http_client anonymous{server.port()};
  auto before = get_metrics(anonymous);
  for (auto name :
       {"downhill_run_duration_seconds", "downhill_control_plane_commit_seconds",
        "downhill_schedule_firing_lateness_seconds",
        "downhill_http_request_duration_seconds"})
    check_histogram(before, name);
  CHECK(before.types.at("downhill_runs_queued") == "gauge");
  CHECK(before.types.at("downhill_websocket_clients") == "gauge");
  CHECK(before[created_ok] == 0);

  // A stream that sees the sync's frames.
  ws_client stream{server.port(), org_path() + "/events", alice_token()};
  create_environment("main", "staging");
  auto synced = sync_and_wait("main", "staging");
  REQUIRE(synced["status"] == "succeeded");
  // The stream got the final frame of the sync (so frames were written).
  for (;;) {
    auto frame = stream.next(30s);
    REQUIRE(frame);
    if ((*frame)["type"] == "run" && (*frame)["run"]["status"] == "succeeded"
        && (*frame)["run"]["id"] == synced["id"])
      break;
  }

  // The writer counts a run right after its commit, and a frame counts as
  // sent when its write completes: both may trail what the client saw by
  // a moment, so the scrape is repeated until they show (or the deadline).
  auto after = get_metrics(anonymous);
  for (auto until = std::chrono::steady_clock::now() + 10s;
       (after[synced_ok] < before[synced_ok] + 1
        || after["downhill_websocket_frames_sent_total"]
             == before["downhill_websocket_frames_sent_total"])
       && std::chrono::steady_clock::now() < until;
       after = get_metrics(anonymous))
    std::this_thread::sleep_for(20ms);
  CHECK(after[created_ok] == before[created_ok] + 1);
  CHECK(after[synced_ok] == before[synced_ok] + 1);
  CHECK(after["downhill_run_duration_seconds_count"]
        == before["downhill_run_duration_seconds_count"] + 2);
  CHECK(after["downhill_run_duration_seconds_sum"]
        > before["downhill_run_duration_seconds_sum"]);
  // A create copies the content database and the index, a sync again.
  CHECK(after["downhill_copy_bytes_total"]
        > before["downhill_copy_bytes_total"]);
  CHECK(after["downhill_control_plane_commit_seconds_count"]
        > before["downhill_control_plane_commit_seconds_count"]);
  CHECK(after[R"(downhill_http_requests_total{code="2xx"})"]
        > before[R"(downhill_http_requests_total{code="2xx"})"]);
  CHECK(after["downhill_websocket_frames_sent_total"]
        > before["downhill_websocket_frames_sent_total"]);
  CHECK(after["downhill_websocket_clients"] == 1);
  CHECK(after["downhill_runs_queued"] == 0);
  CHECK(after["downhill_runs_running"] == 0);
  for (auto name :
       {"downhill_run_duration_seconds", "downhill_control_plane_commit_seconds",
        "downhill_http_request_duration_seconds"})
    check_histogram(after, name);

  // A closed stream leaves the gauge (polled: the server sees the close
  // asynchronously).
  stream.close();
  auto until = std::chrono::steady_clock::now() + 10s;
  while (get_metrics(anonymous)["downhill_websocket_clients"] != 0) {
    if (std::chrono::steady_clock::now() > until)
      FAIL("the WebSocket client gauge did not drop to 0");
    std::this_thread::sleep_for(20ms);
  }
}

TEST_CASE_METHOD(org_fixture, "a 4xx answer counts as 4xx in "
                              "downhill_http_requests_total") {
  http_client anonymous{server.port()};
  auto key = R"(downhill_http_requests_total{code="4xx"})";
  auto before = get_metrics(anonymous)[key];
  CHECK(anonymous.get(org_path() + "/runs").status == 401);
  CHECK(get_metrics(anonymous)[key] == before + 1);
}
