// Schedules at scale, through the real server (issue 10): many interval
// recurring jobs across many organizations, every one firing every second,
// for a while; then, from the API alone, whether every firing was recorded
// (a run, or a skipped firing when the job's previous run still waited),
// how late the firings were recorded, and how fast a probe client's job
// submissions and registrations were answered meanwhile.
//
//   schedules_bench [--orgs 100] [--jobs-per-org 10] [--seconds 60]
//                   [--every 1] [--quick]
//
// The server is the real `downhill` binary (tests/support/server_process)
// on a free loopback port with a temporary data directory. Each
// organization is set up as in throughput_bench (bench/throughput/
// bench_org: main with a few entries, child created from it); its jobs are
// Sync Environments main -> child with the schedule `interval`. A probe
// organization of the same shape takes the probe's requests.
// bench/README.md says what each number means. Exits 1 if a request got an
// unexpected answer or a firing is missing, 2 on bad usage.

#include "throughput/number_text.hpp"
#include "server_process.hpp"
#include "throughput/bench_org.hpp"
#include "throughput/failure_log.hpp"
#include "throughput/latencies.hpp"
#include "throughput/parallel.hpp"
#include "throughput/process_cpu.hpp"

#include "client/http_client.hpp"
#include "metrics_histogram.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace downhill::bench;
using downhill::client::http_client;
using downhill::client::json;
using downhill::testing::server_process;
using clock_type = std::chrono::steady_clock;

namespace {

struct options {
  int orgs = 100;
  int jobs_per_org = 10;
  int seconds = 60;
  int every = 1;
  bool quick = false;
};

/// Admin requests share one fair-share key on the server: set-up stays
/// below its limits (as in throughput_bench).
constexpr size_t setup_threads = 32;

using downhill::bench::fixed;

std::string org_name(size_t i) {
  char text[32];
  std::snprintf(text, sizeof text, "sc-%04zu", i);
  return text;
}

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

/// "2026-11-26T04:33:32.123Z" (the API's times) in ms since the epoch; 0
/// for null.
int64_t parse_time(const json& value) {
  if (!value.is_string())
    return 0;
  std::tm tm{};
  int ms = 0;
  auto text = value.get<std::string>();
  if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year,
                  &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                  &tm.tm_sec, &ms)
      < 6)
    throw std::runtime_error("not an RFC 3339 time: " + text);
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
}

double ms_since(clock_type::time_point from) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - from)
    .count();
}

void require_status(const downhill::client::response& r, int status,
                    const std::string& what) {
  if (r.status != status)
    throw std::runtime_error(what + ": expected " + std::to_string(status)
                             + ", got " + std::to_string(r.status) + " "
                             + r.body);
}

json interval_job(const std::string& name, int every) {
  return {{"name", name},
          {"type", "sync_environments"},
          {"base_environment", "main"},
          {"target_environment", "child"},
          {"schedule", {{"kind", "interval"}, {"every_seconds", every}}}};
}

/// One registered recurring job and, once paused, when that happened.
struct registered_job {
  std::string id;
  int64_t anchor_ms = 0;  // its created_at, to the second (the phase)
  int64_t paused_after_ms = 0;   // the pause request was sent at
  int64_t paused_before_ms = 0;  // and answered at
};

/// Latencies collected from several threads.
struct latency_list {
  std::mutex mutex;
  std::vector<double> ms;
  void add(double value) {
    std::lock_guard<std::mutex> lock{mutex};
    ms.push_back(value);
  }
};

/// Firings of one interval job in (anchor, until]: its slots are
/// anchor + k * every, k >= 1.
int64_t slots_until(const registered_job& job, int64_t until_ms,
                    int every) {
  if (until_ms <= job.anchor_ms)
    return 0;
  return (until_ms - job.anchor_ms) / (1000LL * every);
}

/// What the API says of one organization's scheduled runs.
struct recorded_runs {
  int64_t runs = 0;
  std::vector<double> delays_ms;  // created_at - scheduled_at
  std::vector<double> start_delays_ms;  // started_at - scheduled_at
  int64_t succeeded = 0, cancelled = 0, failed = 0, other = 0;
};

/// Every run of the organization, a page at a time (newest first).
recorded_runs read_runs(const http_client& user, const std::string& org) {
  recorded_runs out;
  std::string before;
  for (;;) {
    auto target = "/api/v1/orgs/" + org + "/runs?limit=100"
                  + (before.empty() ? "" : "&before=" + before);
    auto page = user.get(target);
    require_status(page, 200, org + ": list runs");
    auto data = page.data();
    auto& runs = data["runs"];
    for (auto& run : runs) {
      if (run.value("trigger", "") != "schedule")
        continue;
      ++out.runs;
      auto scheduled = parse_time(run["scheduled_at"]);
      if (scheduled == 0)
        throw std::runtime_error(org + ": scheduled run "
                                 + run.value("id", "") + " has no "
                                   "scheduled_at");
      out.delays_ms.push_back(
        static_cast<double>(parse_time(run["created_at"]) - scheduled));
      if (auto started = parse_time(run["started_at"]))
        out.start_delays_ms.push_back(
          static_cast<double>(started - scheduled));
      auto status = run.value("status", "");
      if (status == "succeeded")
        ++out.succeeded;
      else if (status == "cancelled")
        ++out.cancelled;
      else if (status == "failed")
        ++out.failed;
      else
        ++out.other;
    }
    if (runs.empty() || data["next"].is_null())
      break;
    before = data["next"].is_string() ? data["next"].get<std::string>()
                                      : std::to_string(data["next"].get<int64_t>());
  }
  return out;
}

/// Skipped firings of the organization's recurring jobs, summed.
int64_t read_skipped(const http_client& user, const std::string& org) {
  auto list = user.get("/api/v1/orgs/" + org + "/recurring-jobs?limit=100");
  require_status(list, 200, org + ": list recurring jobs");
  int64_t skipped = 0;
  auto data = list.data();  // held: the loop below reads into it
  for (auto& job : data["recurring_jobs"])
    skipped += job.value("skipped_firings", int64_t{0});
  return skipped;
}

/// The probe: while the load runs, one registration (a recurring job that
/// would fire in an hour, deleted again right after) and one run-now
/// submission (followed to its end) after the other, in its own
/// organization, timing each POST to its 201.
void probe(const bench_org& org, const server_process& server,
           const std::atomic<bool>& stop, latency_list& registrations,
           latency_list& submissions, failure_log& failures) {
  http_client user{server.port(), org.token()};
  auto jobs = "/api/v1/orgs/" + org.name() + "/jobs";
  int n = 0;
  while (!stop.load()) {
    try {
      auto start = clock_type::now();
      auto made = user.post(jobs, interval_job("probe " + std::to_string(n++),
                                               3600));
      registrations.add(ms_since(start));
      require_status(made, 201, "probe: register");
      auto id = made.data()["job"]["id"].get<std::string>();
      require_status(user.del("/api/v1/orgs/" + org.name()
                              + "/recurring-jobs/" + id),
                     204, "probe: delete");
      submissions.add(org.sync_once().submit_ms);
    } catch (const std::exception& e) {
      failures.add(e.what());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // pacing
  }
}

/// The server's histograms this bench reads from GET /metrics.
struct server_histograms {
  downhill::bench::metrics_histogram lateness;  // scheduler pass, per firing
  downhill::bench::metrics_histogram commits;   // control-plane writer

  static server_histograms read(const http_client& anyone) {
    auto body = anyone.get("/metrics").body;
    return {downhill::bench::metrics_histogram::read(
              body, "downhill_schedule_firing_lateness_seconds"),
            downhill::bench::metrics_histogram::read(
              body, "downhill_control_plane_commit_seconds")};
  }
};

/// A histogram bucket bound in seconds, as "<= N ms".
std::string bound_ms(double seconds) {
  return seconds > 1e299 ? std::string{"> 60 s"}
                         : "<= " + fixed(seconds * 1000, 0) + " ms";
}

void print_row(const std::string& label, const std::string& value) {
  constexpr size_t label_width = 24;
  auto padding = label.size() < label_width ? label_width - label.size() : 1;
  std::cout << "  " << label << std::string(padding, ' ') << value << "\n";
}

std::string latencies(const latency_summary& s) {
  return "p50 " + fixed(s.p50_ms, 1) + " ms, p99 " + fixed(s.p99_ms, 1)
         + " ms, max " + fixed(s.max_ms, 1) + " ms (" + std::to_string(s.count)
         + ")";
}

} // namespace

int main(int argc, char** argv) try {
  options o;
  CLI::App app{"schedules_bench: interval schedules at scale through the "
               "real server (bench/README.md)"};
  app.add_option("--orgs", o.orgs, "organizations (default 100)")
    ->check(CLI::PositiveNumber);
  app.add_option("--jobs-per-org", o.jobs_per_org,
                 "recurring jobs per organization (default 10, at most 100)")
    ->check(CLI::Range(1, 99));
  app.add_option("--seconds", o.seconds,
                 "seconds of load after the last registration (default 60)")
    ->check(CLI::PositiveNumber);
  app.add_option("--every", o.every,
                 "the jobs' interval in seconds (default 1)")
    ->check(CLI::PositiveNumber);
  app.add_flag("--quick", o.quick,
               "smoke sizes: 4 orgs x 5 jobs for 3 s (explicit options win)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (o.quick) {
    if (app.count("--orgs") == 0)
      o.orgs = 4;
    if (app.count("--jobs-per-org") == 0)
      o.jobs_per_org = 5;
    if (app.count("--seconds") == 0)
      o.seconds = 3;
  }
  auto schedules = o.orgs * o.jobs_per_org;
  std::cout << "schedules_bench: " << schedules << " interval schedules ("
            << o.orgs << " orgs x " << o.jobs_per_org << ", every " << o.every
            << " s), " << o.seconds << " s of load, "
            << std::thread::hardware_concurrency() << " cores\n";

  failure_log failures;
  server_process server;
  std::cerr << "schedules_bench: server pid " << server.pid() << ", data "
            << server.data_dir().string() << "\n";

  // Set-up: the organizations and the probe's, in parallel.
  auto setup_start = clock_type::now();
  std::vector<std::optional<bench_org>> made(static_cast<size_t>(o.orgs) + 1);
  for_each_index(made.size(), setup_threads, failures, [&](size_t i) {
    made[i] = bench_org::set_up(server.port(), server.admin_token(),
                                i == made.size() - 1 ? "sc-probe"
                                                     : org_name(i));
  });
  if (failures.count() > 0) {
    std::cout << "FAILED in set-up: ";
    failures.print(std::cout);
    return 1;
  }
  std::cerr << "  " << made.size() << " orgs set up in "
            << fixed(ms_since(setup_start) / 1000, 1)
            << " s; registering the schedules\n";
  auto& probe_org = *made.back();

  // Registration: every organization's jobs, in parallel across them.
  // Firings start with the first job, so these run under growing load.
  std::vector<std::vector<registered_job>> jobs(static_cast<size_t>(o.orgs));
  latency_list setup_registrations;
  cpu_window cpu{server.pid()};
  auto register_start = clock_type::now();
  for_each_index(jobs.size(), setup_threads, failures, [&](size_t i) {
    auto& org = *made[i];
    http_client user{server.port(), org.token()};
    for (int j = 0; j < o.jobs_per_org; ++j) {
      auto start = clock_type::now();
      auto answer = user.post("/api/v1/orgs/" + org.name() + "/jobs",
                              interval_job("every " + std::to_string(o.every)
                                             + " s #" + std::to_string(j),
                                           o.every));
      setup_registrations.add(ms_since(start));
      require_status(answer, 201, org.name() + ": register");
      auto job = answer.data()["job"];
      registered_job r;
      r.id = job["id"].get<std::string>();
      r.anchor_ms = parse_time(job["created_at"]) / 1000 * 1000;
      jobs[i].push_back(r);
    }
  });
  auto registered_s = ms_since(register_start) / 1000;
  std::cerr << "  registered in " << fixed(registered_s, 1) << " s; load for "
            << o.seconds << " s with the probe\n";

  // The load: the schedules fire; the probe measures meanwhile.
  std::atomic<bool> stop{false};
  latency_list registrations, submissions;
  std::thread prober{[&] {
    probe(probe_org, server, stop, registrations, submissions, failures);
  }};
  http_client metrics_reader{server.port()};
  auto metrics_before = server_histograms::read(metrics_reader);
  std::this_thread::sleep_for(std::chrono::seconds(o.seconds));
  auto metrics_after = server_histograms::read(metrics_reader);
  stop = true;
  prober.join();
  auto scheduler_lateness
    = metrics_after.lateness.since(metrics_before.lateness);
  auto commits = metrics_after.commits.since(metrics_before.commits);

  // Every job paused, one request each; the time of each pause bounds its
  // firings. Pausing cancels a job's waiting run (docs/api-notes.md).
  for_each_index(jobs.size(), setup_threads, failures, [&](size_t i) {
    http_client user{server.port(), made[i]->token()};
    for (auto& job : jobs[i]) {
      job.paused_after_ms = wall_ms();
      require_status(user.post("/api/v1/orgs/" + made[i]->name()
                                 + "/recurring-jobs/" + job.id + "/pause",
                               json::object()),
                     200, made[i]->name() + ": pause");
      job.paused_before_ms = wall_ms();
    }
  });
  auto load = cpu.read();

  // What the API recorded.
  int64_t expected_min = 0, expected_max = 0, runs = 0, skipped = 0;
  int64_t succeeded = 0, cancelled = 0, failed = 0, unfinished = 0;
  std::vector<double> delays, start_delays;
  std::mutex merge;
  for_each_index(jobs.size(), setup_threads, failures, [&](size_t i) {
    http_client user{server.port(), made[i]->token()};
    auto recorded = read_runs(user, made[i]->name());
    auto skips = read_skipped(user, made[i]->name());
    std::lock_guard<std::mutex> lock{merge};
    for (auto& job : jobs[i]) {
      expected_min += slots_until(job, job.paused_after_ms, o.every);
      expected_max += slots_until(job, job.paused_before_ms, o.every);
    }
    runs += recorded.runs;
    skipped += skips;
    succeeded += recorded.succeeded;
    cancelled += recorded.cancelled;
    failed += recorded.failed;
    unfinished += recorded.other;
    delays.insert(delays.end(), recorded.delays_ms.begin(),
                  recorded.delays_ms.end());
    start_delays.insert(start_delays.end(), recorded.start_delays_ms.begin(),
                        recorded.start_delays_ms.end());
  });
  auto recorded = runs + skipped;
  if (recorded < expected_min)
    failures.add(std::to_string(expected_min - recorded)
                 + " firings missing (expected at least "
                 + std::to_string(expected_min) + ", recorded "
                 + std::to_string(recorded) + ")");
  if (recorded > expected_max)
    failures.add(std::to_string(recorded - expected_max)
                 + " firings more than slots (expected at most "
                 + std::to_string(expected_max) + ", recorded "
                 + std::to_string(recorded) + ")");
  if (failed > 0)
    failures.add(std::to_string(failed) + " scheduled runs failed");

  std::cout << "  set-up                  " << made.size() << " orgs in "
            << fixed(ms_since(setup_start) / 1000, 1) << " s overall\n";
  print_row("registration", std::to_string(schedules) + " schedules in "
                              + fixed(registered_s, 1) + " s: "
                              + latencies(summarize(setup_registrations.ms)));
  print_row("firings expected", std::to_string(expected_min) + " to "
                                  + std::to_string(expected_max)
                                  + " (slots up to each job's pause)");
  print_row("firings recorded",
            std::to_string(recorded) + " = " + std::to_string(runs)
              + " runs + " + std::to_string(skipped)
              + " coalesced (skipped: the job's run still waited)");
  print_row("scheduled runs", std::to_string(succeeded) + " succeeded, "
                                + std::to_string(cancelled)
                                + " cancelled (waiting at the pause), "
                                + std::to_string(failed) + " failed, "
                                + std::to_string(unfinished) + " unfinished");
  print_row("firing delay", latencies(summarize(delays))
                              + " (run created_at - scheduled_at)");
  print_row("scheduler lateness",
            "p50 " + bound_ms(scheduler_lateness.quantile_bound(0.5))
              + ", p99 " + bound_ms(scheduler_lateness.quantile_bound(0.99))
              + " (" + fixed(scheduler_lateness.count, 0)
              + " firings during the load; the pass that sent them, "
                "server's histogram)");
  print_row("writer commits",
            fixed(commits.count / o.seconds, 1) + " per s, mean "
              + fixed(commits.mean() * 1000, 1) + " ms, p99 "
              + bound_ms(commits.quantile_bound(0.99))
              + " (during the load, server's histogram)");
  print_row("start delay", latencies(summarize(start_delays))
                             + " (run started_at - scheduled_at)");
  print_row("probe registration", latencies(summarize(registrations.ms))
                                    + " (POST to 201, under load)");
  print_row("probe submission", latencies(summarize(submissions.ms))
                                  + " (POST to 201, under load)");
  print_row("server CPU", fixed(load.server_ms_per_s() / 10.0, 0)
                            + "% of one core over registration + load + "
                              "pause ("
                            + fixed(load.wall_s, 1) + " s)");
  print_row("bench CPU", fixed(load.bench_ms_per_s() / 10.0, 0)
                           + "% of one core");
  std::cout << std::flush;
  if (int status = server.stop(); status != 0)
    failures.add("the server exited " + std::to_string(status)
                 + " on SIGTERM");
  if (failures.count() > 0) {
    std::cout << "FAILED: ";
    failures.print(std::cout);
    return 1;
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "schedules_bench: " << e.what() << "\n";
  return 1;
}
