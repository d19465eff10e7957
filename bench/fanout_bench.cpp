// WebSocket fan-out (issue 10, target 4): N clients on one organization's
// event stream (the stream the dashboard follows for live logs) while the
// organization's runs publish frames at a target rate. Every frame carries
// the server's send time (sent_at, microseconds), so each client measures
// its delivery delay; each also records which log lines of which run it got,
// to count what it missed.
//
//   fanout_bench [--clients 1,100,1000] [--seconds 10] [--rate 200]
//                [--client-threads 2] [--quick]
//   fanout_bench --server HOST:PORT (--admin-token T | --token T --org O)
//                [--no-load] [--clients ...] ...
//
// Each size gets a fresh server (tests/support/server_process) and one
// organization (bench/throughput/bench_org: `main` with a few entries and a
// `child`); its load is Sync Environments main -> child, one at a time (an
// organization runs one environment job at once), submitted at the pace
// that makes `--rate` frames per second (frames per run measured first,
// before any client is open), or as fast as runs end if that is slower.
// With --server it starts no server: its clients (and, unless --no-load,
// its paced runs) go to a server elsewhere, so that the clients need not
// share the server's cores. bench/README.md ("fanout_bench") says what
// each column means and has the before/after numbers. Exits 1 if a run
// failed, a client missed a frame, got one twice or out of order, or was
// closed; 2 on bad usage.

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

#include <unistd.h>

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
  // A server elsewhere (--server): no server is started.
  std::string server;
  std::string admin_token;  // sets up a fresh organization there
  std::string token;        // or uses organization `org` with its token
  std::string org;
  bool no_load = false;     // only listen: another process drives the runs
};

/// Where the clients go: a server this bench started, or one elsewhere.
struct stream_target {
  downhill::client::endpoint server{0};
  pid_t pid = 0;  // 0: not on this machine, its CPU is not measured
  const bench_org* org = nullptr;
};

/// With --no-load, the end of a size: no frame for this long once the
/// measured seconds are over.
constexpr auto quiet_end = std::chrono::seconds(2);

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
  int64_t out_of_order = 0;     // a line after a gap
  uint64_t without_sent_at = 0;
  int64_t closed = 0;
  std::string first_close;
  bool server_cpu_known = false;  // the server runs on this machine
  double server_cpu_pct = 0;    // of one core
  double server_us_per_delivery = 0;
  double bench_cpu_pct = 0;
  double bench_us_per_delivery = 0;
};

/// Frames per run on the org stream, from a few runs before the load.
double frames_per_run(const stream_target& to) {
  auto& org = *to.org;
  client_fleet probe{to.server, "/api/v1/orgs/" + org.name() + "/events",
                     org.token(), 1, 1, std::chrono::seconds(30)};
  for (int i = 0; i < calibration_runs; ++i)
    org.sync_once();
  auto until = clock_type::now() + std::chrono::seconds(30);
  while (probe.finals() < calibration_runs && clock_type::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  probe.stop();
  return static_cast<double>(probe.tallies()[0].frames) / calibration_runs;
}

/// Server and bench CPU over a window; the server's only when it runs on
/// this machine.
class cpu_meter {
public:
  explicit cpu_meter(pid_t server)
    : server_(server), wall_start_(clock_type::now()),
      server_start_ms_(server != 0 ? process_cpu_ms(server) : 0),
      bench_start_ms_(own_cpu_ms()) {}

  cpu_window::reading read() const {
    cpu_window::reading r;
    r.wall_s = std::chrono::duration<double>(clock_type::now() - wall_start_)
                 .count();
    if (server_ != 0)
      r.server_cpu_ms = process_cpu_ms(server_) - server_start_ms_;
    r.bench_cpu_ms = own_cpu_ms() - bench_start_ms_;
    return r;
  }

private:
  pid_t server_;
  clock_type::time_point wall_start_;
  double server_start_ms_;
  double bench_start_ms_;
};

/// Submits runs, one at a time, on a fixed schedule that makes `rate`
/// frames per second, until `seconds` are over; returns the runs done.
int64_t paced_runs(const bench_org& org, double runs_per_s,
                   clock_type::time_point start, clock_type::time_point end,
                   failure_log& failures) {
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
  return runs;
}

/// Checks every client's tally against what all of them got together:
/// each run's log lines (the most any client got, and at least the final
/// frame's total_logs) and its final frame. Without load of our own
/// (`all_ended` false), runs no client saw end are not checked: the bench
/// stopped in their middle.
void check_tallies(const std::vector<client_tally>& tallies, bool all_ended,
                   size_result& r) {
  struct expectation {
    int64_t lines = 0;
    bool ended = false;
  };
  std::map<int64_t, expectation> expected;
  for (auto& t : tallies)
    for (auto& run : t.runs) {
      auto& e = expected[run.run_id];
      e.lines = std::max({e.lines, run.distinct, run.total_logs});
      e.ended = e.ended || run.final;
    }
  if (!all_ended)
    r.runs = std::count_if(expected.begin(), expected.end(),
                           [](auto& run) { return run.second.ended; });
  for (auto& t : tallies) {
    int64_t missed = 0;
    for (auto& [run_id, e] : expected) {
      if (!all_ended && !e.ended)
        continue;
      auto* seen = t.find(run_id);
      if (seen == nullptr) {
        missed += e.lines + 1;
        continue;
      }
      missed += e.lines - seen->distinct + (seen->final ? 0 : 1);
      r.duplicates += seen->duplicates;
      r.out_of_order += seen->gaps;
    }
    r.missed_max = std::max(r.missed_max, missed);
    r.missed_total += missed;
    r.without_sent_at += t.without_sent_at;
    if (t.closed) {
      ++r.closed;
      if (r.first_close.empty())
        r.first_close = std::to_string(t.close_code) + " " + t.close_reason;
    }
  }
}

size_result measure_on(const stream_target& to, size_t clients,
                       const options& o, failure_log& failures) {
  auto& org = *to.org;
  double runs_per_s = 0;
  if (!o.no_load) {
    auto per_run = frames_per_run(to);
    runs_per_s = o.rate / per_run;
    std::cerr << "fanout_bench: " << clients << " clients; "
              << fixed(per_run, 1) << " frames per run, so "
              << fixed(runs_per_s, 1) << " runs/s for " << o.rate
              << " frames/s\n";
  }

  client_fleet fleet{to.server, "/api/v1/orgs/" + org.name() + "/events",
                     org.token(), clients, o.client_threads,
                     std::chrono::seconds(120)};
  cpu_meter cpu{to.pid};
  auto start = clock_type::now();
  auto end = start + std::chrono::seconds(o.seconds);
  int64_t runs = 0;
  if (o.no_load)
    std::this_thread::sleep_until(end);  // the measured window
  else
    runs = paced_runs(org, runs_per_s, start, end, failures);
  auto load_s
    = std::chrono::duration<double>(clock_type::now() - start).count();
  auto drained = clock_type::now() + drain_deadline;
  if (o.no_load) {
    // Until the stream is quiet: the frames in flight have arrived.
    auto last = fleet.deliveries();
    auto last_change = clock_type::now();
    while (clock_type::now() - last_change < quiet_end
           && clock_type::now() < drained) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (auto now = fleet.deliveries(); now != last) {
        last = now;
        last_change = clock_type::now();
      }
    }
  } else {
    // Every open client is to receive every run's final frame.
    while (fleet.finals() + fleet.closed() * static_cast<uint64_t>(runs)
             < clients * static_cast<uint64_t>(runs)
           && clock_type::now() < drained)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto reading = cpu.read();
  fleet.stop();

  size_result r;
  r.clients = clients;
  r.runs = runs;
  r.load_s = load_s;
  r.wall_s = reading.wall_s;
  r.server_cpu_known = to.pid != 0;
  r.server_cpu_pct = reading.server_ms_per_s() / 10.0;
  r.bench_cpu_pct = reading.bench_ms_per_s() / 10.0;
  check_tallies(fleet.tallies(), !o.no_load, r);
  uint64_t most = 0;
  uint64_t all = 0;
  for (auto& t : fleet.tallies()) {
    most = std::max(most, t.frames);
    all += t.frames;
  }
  // Without load of our own the frames kept coming until the stream was
  // quiet: per second of the whole window.
  r.published_per_s
    = static_cast<double>(most) / (o.no_load ? r.wall_s : r.load_s);
  r.deliveries_per_s = static_cast<double>(all) / r.wall_s;
  // The ratio that survives a noisy machine: what a delivery costs.
  r.server_us_per_delivery
    = all > 0 ? reading.server_cpu_ms * 1000.0 / static_cast<double>(all)
              : 0;
  r.bench_us_per_delivery
    = all > 0 ? reading.bench_cpu_ms * 1000.0 / static_cast<double>(all) : 0;
  r.delay = summarize(fleet.delays_ms());
  if (r.runs == 0 && !o.no_load)
    failures.add(std::to_string(clients) + " clients: no run completed");
  if (all == 0)
    failures.add(std::to_string(clients) + " clients: no frame received");
  if (r.missed_total > 0)
    failures.add(std::to_string(clients) + " clients: "
                 + std::to_string(r.missed_total) + " frames missed");
  if (r.duplicates > 0)
    failures.add(std::to_string(clients) + " clients: "
                 + std::to_string(r.duplicates) + " duplicate log lines");
  if (r.out_of_order > 0)
    failures.add(std::to_string(clients) + " clients: "
                 + std::to_string(r.out_of_order)
                 + " log lines after a gap (out of order)");
  if (r.without_sent_at > 0)
    failures.add(std::to_string(r.without_sent_at)
                 + " frames without sent_at (a server from before it?)");
  if (r.closed > 0)
    failures.add(std::to_string(clients) + " clients: "
                 + std::to_string(r.closed) + " closed by the server ("
                 + r.first_close + ")");
  return r;
}

/// One size on a fresh server of its own.
size_result measure(size_t clients, const options& o, failure_log& failures) {
  server_process server{{"--max-connections-per-address", "4096"}};
  auto org = bench_org::set_up(server.port(), server.admin_token(), "fanout");
  std::cerr << "fanout_bench: server pid " << server.pid() << "\n";
  auto r = measure_on({server.port(), server.pid(), &org}, clients, o,
                      failures);
  if (int status = server.stop(); status != 0)
    failures.add("the server exited " + std::to_string(status)
                 + " on SIGTERM");
  return r;
}

/// Every size on the server at --server, one organization for all.
std::vector<size_result> measure_elsewhere(const options& o,
                                           failure_log& failures) {
  auto url = o.server.find("://") == std::string::npos ? "http://" + o.server
                                                       : o.server;
  auto server = downhill::client::parse_server_url(url);
  auto org = o.admin_token.empty()
               ? bench_org::existing(server, o.org, o.token)
               : bench_org::set_up(server, o.admin_token, o.org);
  std::cerr << "fanout_bench: server " << server.host << ":" << server.port
            << ", organization " << org.name() << " (user token "
            << org.token() << ")\n";
  std::vector<size_result> results;
  for (auto n : o.clients)
    results.push_back(measure_on({server, 0, &org}, n, o, failures));
  return results;
}

void print_table(const std::vector<size_result>& results) {
  std::printf("%7s %5s %11s %12s %8s %8s %8s %7s %13s %10s %11s %9s %9s\n",
              "clients", "runs", "published/s", "deliveries/s", "p50 ms",
              "p99 ms", "max ms", "tail s", "missed/client", "server CPU",
              "us/delivery", "bench CPU", "bench us");
  for (auto& r : results) {
    auto cpu = r.server_cpu_known ? fixed(r.server_cpu_pct, 0) + "%" : "-";
    auto per = r.server_cpu_known ? fixed(r.server_us_per_delivery, 2) : "-";
    std::printf("%7zu %5lld %11.0f %12.0f %8.1f %8.1f %8.1f %7.1f %13lld "
                "%10s %11s %8.0f%% %9.2f\n",
                r.clients, static_cast<long long>(r.runs), r.published_per_s,
                r.deliveries_per_s, r.delay.p50_ms, r.delay.p99_ms,
                r.delay.max_ms, r.wall_s - r.load_s,
                static_cast<long long>(r.missed_max), cpu.c_str(),
                per.c_str(), r.bench_cpu_pct, r.bench_us_per_delivery);
  }
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
  app.add_option("--server", o.server,
                 "HOST:PORT of a running server: start none, measure only "
                 "the clients (its CPU is not measured)");
  app.add_option("--admin-token", o.admin_token,
                 "with --server: set up a fresh organization (--org, "
                 "default fanout-PID) with this admin token");
  app.add_option("--token", o.token,
                 "with --server: the token of --org's user (an "
                 "organization set up like bench_org: `main` and `child`)");
  app.add_option("--org", o.org, "with --server: the organization");
  app.add_flag("--no-load", o.no_load,
               "with --server: submit no runs, only listen for --seconds "
               "(another process drives the load)");
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
  if (o.server.empty()
      && (!o.admin_token.empty() || !o.token.empty() || !o.org.empty()
          || o.no_load)) {
    std::cerr << "fanout_bench: --admin-token, --token, --org and --no-load "
                 "go with --server\n";
    return 2;
  }
  if (!o.server.empty()) {
    if (o.admin_token.empty() == o.token.empty()
        || (!o.token.empty() && o.org.empty())) {
      std::cerr << "fanout_bench: --server needs --admin-token, or --token "
                   "and --org\n";
      return 2;
    }
    if (o.org.empty())
      o.org = "fanout-" + std::to_string(::getpid());
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
  if (o.server.empty())
    for (auto n : o.clients)
      results.push_back(measure(n, o, failures));
  else
    results = measure_elsewhere(o, failures);
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
