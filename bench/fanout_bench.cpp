// WebSocket fan-out (issue 10, target 4): N clients on one organization's
// event stream (the stream the dashboard follows for live logs) while the
// organization's runs publish frames at a target rate. Every frame carries
// the server's send time (sent_at, microseconds), so each client measures
// its delivery delay; each also records which log lines of which run it got,
// to count what it missed.
//
//   fanout_bench [--clients 1,100,1000] [--seconds 10] [--rate 200]
//                [--client-threads 2] [--quick]
//
// Each size gets a fresh server (tests/support/server_process) and one
// organization (bench/throughput/bench_org: `main` with a few entries and a
// `child`); its load is Sync Environments main -> child, one at a time (an
// organization runs one environment job at once), submitted at the pace
// that makes `--rate` frames per second (frames per run measured first,
// before any client is open), or as fast as runs end if that is slower. bench/README.md ("fanout_bench") says what
// each column means and has the before/after numbers. Exits 1 if a run
// failed, a client missed a frame or was closed, 2 on bad usage.

#include "throughput/number_text.hpp"
#include "fanout/client_fleet.hpp"
#include "server_process.hpp"
#include "throughput/bench_org.hpp"
#include "throughput/failure_log.hpp"
#include "throughput/latencies.hpp"
#include "throughput/process_cpu.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace downhill::bench;
using downhill::testing::server_process;
using clock_type = std::chrono::steady_clock;

namespace {

struct options {
  std::vector<size_t> clients{1, 100, 1000};
  int seconds = 10;
  double rate = 200;  // frames per second to publish
  unsigned client_threads = 2;
  bool quick = false;
};

/// Runs before any client opens, to learn how many frames a run makes.
constexpr int calibration_runs = 3;

/// Time for every client to receive the last run's final frame once the
/// load stops (far beyond a healthy server's delay).
constexpr auto drain_deadline = std::chrono::seconds(60);

using downhill::bench::fixed;

struct size_result {
  size_t clients = 0;
  int64_t runs = 0;
  double load_s = 0;  // while runs were submitted
  double wall_s = 0;  // load, then every client receiving the last frame
  double published_per_s = 0;   // frames the fullest client got, per second
  double deliveries_per_s = 0;  // frames all clients got, per second
  latency_summary delay;
  int64_t missed_max = 0;       // log lines + final frames, worst client
  int64_t missed_total = 0;
  int64_t duplicates = 0;
  uint64_t without_sent_at = 0;
  int64_t closed = 0;
  std::string first_close;
  double server_cpu_pct = 0;    // of one core
  double server_us_per_delivery = 0;
  double bench_cpu_pct = 0;
};

/// Frames per run on the org stream, from a few runs before the load.
double frames_per_run(const server_process& server, const bench_org& org) {
  client_fleet probe{server.port(), "/api/v1/orgs/" + org.name() + "/events",
                     org.token(), 1, 1, std::chrono::seconds(30)};
  for (int i = 0; i < calibration_runs; ++i)
    org.sync_once();
  auto until = clock_type::now() + std::chrono::seconds(30);
  while (probe.finals() < calibration_runs && clock_type::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  probe.stop();
  return static_cast<double>(probe.tallies()[0].frames) / calibration_runs;
}

size_result measure(size_t clients, const options& o, failure_log& failures) {
  server_process server{{"--max-connections-per-address", "4096"}};
  auto org = bench_org::set_up(server.port(), server.admin_token(), "fanout");
  auto per_run = frames_per_run(server, org);
  double runs_per_s = o.rate / per_run;
  std::cerr << "fanout_bench: server pid " << server.pid() << "; " << clients
            << " clients; " << fixed(per_run, 1)
            << " frames per run, so " << fixed(runs_per_s, 1)
            << " runs/s for " << o.rate << " frames/s\n";

  client_fleet fleet{server.port(), "/api/v1/orgs/" + org.name() + "/events",
                     org.token(), clients, o.client_threads,
                     std::chrono::seconds(120)};
  cpu_window cpu{server.pid()};
  auto start = clock_type::now();
  auto end = start + std::chrono::seconds(o.seconds);
  // One run at a time (an organization runs one environment job at once),
  // on a fixed schedule; a run that overruns its slot delays the next.
  int64_t runs = 0;
  for (int64_t slot = 0;; ++slot) {
    auto at = start + std::chrono::duration_cast<clock_type::duration>(
                        std::chrono::duration<double>(
                          static_cast<double>(slot) / runs_per_s));
    if (at >= end || clock_type::now() >= end)
      break;
    std::this_thread::sleep_until(at);  // pacing, not synchronization
    try {
      org.sync_once();
      ++runs;
    } catch (const std::exception& e) {
      failures.add(e.what());
      break;
    }
  }
  auto load_s
    = std::chrono::duration<double>(clock_type::now() - start).count();
  // Every open client is to receive every run's final frame.
  auto drained = clock_type::now() + drain_deadline;
  while (fleet.finals() + fleet.closed() * static_cast<uint64_t>(runs)
           < clients * static_cast<uint64_t>(runs)
         && clock_type::now() < drained)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto reading = cpu.read();
  fleet.stop();

  size_result r;
  r.clients = clients;
  r.runs = runs;
  r.load_s = load_s;
  r.wall_s = reading.wall_s;
  r.server_cpu_pct = reading.server_ms_per_s() / 10.0;
  double server_cpu_ms = reading.server_cpu_ms;
  r.bench_cpu_pct = reading.bench_ms_per_s() / 10.0;
  // The expected log lines of each run: the most any client got (a gap
  // shows as a client below it; the last line is checked against the
  // final frame's total_logs too).
  std::map<int64_t, int64_t> expected;
  for (auto& t : fleet.tallies())
    for (auto& [run_id, seen] : t.runs)
      expected[run_id] = std::max(expected[run_id], seen.distinct);
  uint64_t most = 0;
  uint64_t all = 0;
  std::vector<double> delays;
  for (auto& t : fleet.tallies()) {
    most = std::max(most, t.frames);
    all += t.frames;
    r.without_sent_at += t.without_sent_at;
    delays.insert(delays.end(), t.delay_ms.begin(), t.delay_ms.end());
    int64_t missed = 0;
    for (auto& [run_id, lines] : expected) {
      auto i = t.runs.find(run_id);
      if (i == t.runs.end()) {
        missed += lines + 1;
        continue;
      }
      missed += lines - i->second.distinct + (i->second.final ? 0 : 1);
      r.duplicates += i->second.duplicates;
    }
    r.missed_max = std::max(r.missed_max, missed);
    r.missed_total += missed;
    if (t.closed) {
      ++r.closed;
      if (r.first_close.empty())
        r.first_close = std::to_string(t.close_code) + " " + t.close_reason;
    }
  }
  r.published_per_s = static_cast<double>(most) / r.load_s;
  r.deliveries_per_s = static_cast<double>(all) / r.wall_s;
  // The ratio that survives a noisy machine: what a delivery costs.
  r.server_us_per_delivery
    = all > 0 ? server_cpu_ms * 1000.0 / static_cast<double>(all) : 0;
  r.delay = summarize(std::move(delays));
  if (r.runs == 0)
    failures.add(std::to_string(clients) + " clients: no run completed");
  if (r.missed_total > 0)
    failures.add(std::to_string(clients) + " clients: "
                 + std::to_string(r.missed_total) + " frames missed");
  if (r.duplicates > 0)
    failures.add(std::to_string(clients) + " clients: "
                 + std::to_string(r.duplicates) + " duplicate log lines");
  if (r.without_sent_at > 0)
    failures.add(std::to_string(r.without_sent_at)
                 + " frames without sent_at (a server from before it?)");
  if (r.closed > 0)
    failures.add(std::to_string(clients) + " clients: "
                 + std::to_string(r.closed) + " closed by the server ("
                 + r.first_close + ")");
  if (int status = server.stop(); status != 0)
    failures.add("the server exited " + std::to_string(status)
                 + " on SIGTERM");
  return r;
}

void print_table(const std::vector<size_result>& results) {
  std::printf("%7s %5s %11s %12s %8s %8s %8s %7s %13s %10s %11s %9s\n",
              "clients", "runs", "published/s", "deliveries/s", "p50 ms",
              "p99 ms", "max ms", "tail s", "missed/client", "server CPU",
              "us/delivery", "bench CPU");
  for (auto& r : results)
    std::printf("%7zu %5lld %11.0f %12.0f %8.1f %8.1f %8.1f %7.1f %13lld "
                "%9.0f%% %11.1f %8.0f%%\n",
                r.clients, static_cast<long long>(r.runs), r.published_per_s,
                r.deliveries_per_s, r.delay.p50_ms, r.delay.p99_ms,
                r.delay.max_ms, r.wall_s - r.load_s,
                static_cast<long long>(r.missed_max), r.server_cpu_pct,
                r.server_us_per_delivery, r.bench_cpu_pct);
  std::fflush(stdout);
}

std::vector<size_t> parse_sizes(const std::string& text) {
  std::vector<size_t> sizes;
  std::stringstream in{text};
  for (std::string item; std::getline(in, item, ',');) {
    auto n = std::stoul(item);
    if (n == 0)
      throw std::invalid_argument("--clients: sizes must be positive");
    sizes.push_back(n);
  }
  return sizes;
}

} // namespace

int main(int argc, char** argv) try {
  options o;
  std::string sizes = "1,100,1000";
  CLI::App app{"fanout_bench: WebSocket delivery delay with many clients on "
               "one organization's stream (bench/README.md)"};
  app.add_option("--clients", sizes,
                 "client counts to measure, comma-separated (default "
                 "1,100,1000)");
  app.add_option("--seconds", o.seconds,
                 "seconds of load per size (default 10)")
    ->check(CLI::PositiveNumber);
  app.add_option("--rate", o.rate,
                 "frames per second the runs are paced to publish "
                 "(default 200)")
    ->check(CLI::PositiveNumber);
  app.add_option("--client-threads", o.client_threads,
                 "io_context threads of the clients (default 2)")
    ->check(CLI::PositiveNumber);
  app.add_flag("--quick", o.quick,
               "smoke sizes, seconds long: 1 and 50 clients for 2 s "
               "(explicit options win)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (o.quick) {
    if (app.count("--clients") == 0)
      sizes = "1,50";
    if (app.count("--seconds") == 0)
      o.seconds = 2;
  }
  try {
    o.clients = parse_sizes(sizes);
  } catch (const std::exception& e) {
    std::cerr << "fanout_bench: --clients " << sizes << ": " << e.what()
              << "\n";
    return 2;
  }

  std::cout << "fanout_bench: " << std::thread::hardware_concurrency()
            << " cores; one organization's event stream, runs paced to "
            << o.rate << " frames/s for " << o.seconds << " s per size\n";
  failure_log failures;
  std::vector<size_result> results;
  for (auto n : o.clients)
    results.push_back(measure(n, o, failures));
  print_table(results);
  if (failures.count() > 0) {
    std::cout << "FAILED: ";
    failures.print(std::cout);
    return 1;
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "fanout_bench: " << e.what() << "\n";
  return 1;
}
