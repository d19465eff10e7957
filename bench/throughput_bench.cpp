// Throughput with durability (issue 10): how many Sync Environments runs per
// second the real server completes when many organizations sync small
// environments at once, each run made durable before it ends (its new
// generation flushed, its success committed in the control plane); what a
// run costs the server in CPU; and what the server costs doing nothing.
//
//   throughput_bench [--orgs 64] [--seconds 20] [--serial-orgs 1000]
//                    [--serial-runs 5] [--clients 64]
//                    [--shape loop|serial|both] [--idle-seconds 5] [--quick]
//
// Each shape gets a fresh server (tests/support/server_process: the real
// `downhill` binary on a free loopback port, with a temporary data
// directory) and its own organizations, set up before anything is
// measured. The load pieces are in bench/throughput/; bench/README.md says
// what each number means and has the baseline. Exits 1 if any request got
// an unexpected answer or any run did not succeed, 2 on bad usage.

#include "throughput/number_text.hpp"
#include "server_process.hpp"
#include "throughput/bench_org.hpp"
#include "throughput/failure_log.hpp"
#include "throughput/load_shapes.hpp"
#include "throughput/parallel.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <linux/magic.h>
#include <sys/vfs.h>

using namespace downhill::bench;
using downhill::testing::server_process;
using clock_type = std::chrono::steady_clock;

namespace {

struct options {
  int orgs = 64;
  int seconds = 20;
  int serial_orgs = 1000;
  int serial_runs = 5;
  int clients = 64;
  std::string shape = "both";
  int idle_seconds = 5;
  bool quick = false;
};

/// Creating an organization is an admin request, and all of the admin's
/// requests share one fair-share key on the server (4 running, 64 waiting,
/// then 429): set-up stays well below that.
constexpr int max_setup_threads = 32;

using downhill::bench::fixed;

std::string org_name(size_t i) {
  char text[32];
  std::snprintf(text, sizeof text, "tp-%04zu", i);
  return text;
}

/// On tmpfs an fsync costs nothing, and the durability this bench is about
/// with it: such numbers do not compare with a disk's.
bool on_tmpfs(const std::string& path) {
  struct statfs fs {};
  return statfs(path.c_str(), &fs) == 0 && fs.f_type == TMPFS_MAGIC;
}

/// `count` organizations set up on `server`, in parallel. Those whose
/// set-up failed are missing (and recorded in `failures`).
std::vector<bench_org> set_up_orgs(const server_process& server, int count,
                                   int clients, failure_log& failures) {
  std::vector<std::optional<bench_org>> made(static_cast<size_t>(count));
  for_each_index(made.size(),
                 static_cast<size_t>(std::min(clients, max_setup_threads)),
                 failures, [&](size_t i) {
                   made[i] = bench_org::set_up(server.port(),
                                               server.admin_token(),
                                               org_name(i));
                 });
  std::vector<bench_org> orgs;
  for (auto& org : made)
    if (org)
      orgs.push_back(*org);
  return orgs;
}

void print_row(const std::string& label, const std::string& value) {
  constexpr size_t label_width = 24;
  auto padding = label.size() < label_width ? label_width - label.size() : 1;
  std::cout << "  " << label << std::string(padding, ' ') << value << "\n";
}

std::string latencies(const latency_summary& s, bool with_max) {
  auto text = "p50 " + fixed(s.p50_ms, 1) + " ms, p99 " + fixed(s.p99_ms, 1)
              + " ms";
  if (with_max)
    text += ", max " + fixed(s.max_ms, 1) + " ms";
  return text;
}

/// CPU per second of wall time as a percentage of one core.
std::string of_one_core(double ms_per_s) {
  return fixed(ms_per_s / 10.0, 0) + "% of one core";
}

void print_report(const std::string& title, int org_count, double setup_s,
                  const cpu_window::reading& idle, const load_result& r) {
  std::cout << title << "\n";
  print_row("set-up", std::to_string(org_count) + " orgs in "
                        + fixed(setup_s, 1) + " s");
  print_row("server idle CPU",
            fixed(idle.server_ms_per_s(), 2) + " ms/s ("
              + fixed(idle.server_cpu_ms, 0) + " ms over "
              + fixed(idle.wall_s, 1) + " s, no requests)");
  print_row("runs completed", std::to_string(r.runs) + " in "
                                + fixed(r.cpu.wall_s, 1) + " s");
  print_row("runs/s", fixed(r.runs_per_s(), 1));
  print_row("submit latency", latencies(r.submit, true) + " (POST to 201)");
  print_row("event stream open", latencies(r.stream_open, false)
                                   + " (201 to the upgrade's answer)");
  print_row("run latency", latencies(r.end_to_end, false)
                             + " (POST to the final frame)");
  print_row("run elapsed (server)", latencies(r.server_elapsed, false)
                                      + " (the run's elapsed_ms)");
  print_row("server CPU per run",
            r.runs > 0 ? fixed(r.cpu.server_cpu_ms / r.runs, 1) + " ms"
                       : std::string{"-"});
  print_row("server CPU", of_one_core(r.cpu.server_ms_per_s())
                            + " over the runs");
  print_row("bench CPU", of_one_core(r.cpu.bench_ms_per_s())
                           + " (the load generator, same machine)");
  std::cout << std::flush;
}

using load_function
  = std::function<load_result(const std::vector<bench_org>&, pid_t)>;

/// One shape on a fresh server: set-up, idle CPU, then `load`, reported.
void bench_shape(const std::string& title, int org_count, const options& o,
                 const load_function& load, failure_log& failures) {
  server_process server;
  std::cerr << "throughput_bench: " << title << "\n  server pid "
            << server.pid() << ", data " << server.data_dir().string()
            << "; setting up " << org_count << " orgs\n";
  auto failed_before = failures.count();
  auto setup_start = clock_type::now();
  auto orgs = set_up_orgs(server, org_count, o.clients, failures);
  double setup_s
    = std::chrono::duration<double>(clock_type::now() - setup_start).count();
  if (failures.count() > failed_before) {
    std::cout << title << "\n  set-up failed: nothing measured\n";
    return;
  }
  std::cerr << "  set up in " << fixed(setup_s, 1) << " s; idle for "
            << o.idle_seconds << " s, then the load\n";
  auto idle = measure_idle(server.pid(), std::chrono::seconds(o.idle_seconds));
  auto result = load(orgs, server.pid());
  if (result.runs == 0)
    failures.add(title + ": no run completed");
  print_report(title, org_count, setup_s, idle, result);
  if (on_tmpfs(server.data_dir().string()))
    std::cout << "  WARNING: the data directory is on tmpfs (fsync is free); "
                 "set TMPDIR to a disk\n";
  // A server that cannot stop cleanly after the load is a failure too.
  if (int status = server.stop(); status != 0)
    failures.add(title + ": the server exited " + std::to_string(status)
                 + " on SIGTERM");
}

} // namespace

int main(int argc, char** argv) try {
  options o;
  CLI::App app{"throughput_bench: runs per second of the real server, each "
               "run durable (bench/README.md)"};
  app.add_option("--orgs", o.orgs,
                 "loop: organizations, each with its own client thread "
                 "(default 64)")
    ->check(CLI::PositiveNumber);
  app.add_option("--seconds", o.seconds,
                 "loop: seconds during which runs are submitted (default 20)")
    ->check(CLI::PositiveNumber);
  app.add_option("--serial-orgs", o.serial_orgs,
                 "serial: organizations (default 1000)")
    ->check(CLI::PositiveNumber);
  app.add_option("--serial-runs", o.serial_runs,
                 "serial: runs per organization, one after the other "
                 "(default 5)")
    ->check(CLI::PositiveNumber);
  app.add_option("--clients", o.clients,
                 "serial: client threads, i.e. organizations in flight "
                 "(default 64; set-up uses at most 32)")
    ->check(CLI::PositiveNumber);
  app.add_option("--shape", o.shape, "loop, serial or both (default both)")
    ->check(CLI::IsMember({"loop", "serial", "both"}));
  app.add_option("--idle-seconds", o.idle_seconds,
                 "window of the idle CPU measurement (default 5)")
    ->check(CLI::PositiveNumber);
  app.add_flag("--quick", o.quick,
               "smoke sizes, seconds long: 4 orgs for 2 s, 20 orgs x 2 "
               "runs, 8 clients, 1 s idle (explicit options win)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (o.quick) {
    auto unless_given = [&](const char* flag, int& value, int quick) {
      if (app.count(flag) == 0)
        value = quick;
    };
    unless_given("--orgs", o.orgs, 4);
    unless_given("--seconds", o.seconds, 2);
    unless_given("--serial-orgs", o.serial_orgs, 20);
    unless_given("--serial-runs", o.serial_runs, 2);
    unless_given("--clients", o.clients, 8);
    unless_given("--idle-seconds", o.idle_seconds, 1);
  }

  std::cout << "throughput_bench: " << std::thread::hardware_concurrency()
            << " cores; every sync is main -> child of a small organization\n";
  failure_log failures;
  if (o.shape != "serial")
    bench_shape("loop: " + std::to_string(o.orgs)
                  + " orgs, each its own client thread, submitting for "
                  + std::to_string(o.seconds) + " s",
                o.orgs, o,
                [&](const std::vector<bench_org>& orgs, pid_t server) {
                  return run_loop(orgs, std::chrono::seconds(o.seconds),
                                  server, failures);
                },
                failures);
  if (o.shape != "loop")
    bench_shape("serial: " + std::to_string(o.serial_orgs) + " orgs x "
                  + std::to_string(o.serial_runs) + " runs, "
                  + std::to_string(o.clients) + " client threads",
                o.serial_orgs, o,
                [&](const std::vector<bench_org>& orgs, pid_t server) {
                  return run_serial(orgs, o.serial_runs, o.clients, server,
                                    failures);
                },
                failures);
  if (failures.count() > 0) {
    std::cout << "FAILED: ";
    failures.print(std::cout);
    return 1;
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "throughput_bench: " << e.what() << "\n";
  return 1;
}
