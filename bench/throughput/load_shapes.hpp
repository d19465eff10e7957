// The two shapes of load, both made of bench_org::sync_once():
//
// - loop: every organization has its own client thread, which submits a
//   sync, waits for its end and submits the next, for a time window. How
//   many runs per second the server completes when every tenant keeps it
//   busy.
// - serial: many organizations, each running a fixed number of syncs one
//   after the other, through a bounded pool of client threads. How long a
//   fixed amount of work takes.
#pragma once

#include "throughput/bench_org.hpp"
#include "throughput/failure_log.hpp"
#include "throughput/latencies.hpp"
#include "throughput/process_cpu.hpp"

#include <chrono>
#include <cstdint>
#include <vector>

#include <sys/types.h>

namespace downhill::bench {

struct load_result {
  int64_t runs = 0;         // runs that succeeded
  cpu_window::reading cpu;  // from the first submit to the last run's end
  latency_summary submit;
  latency_summary stream_open;
  latency_summary end_to_end;
  latency_summary server_elapsed;

  double runs_per_s() const { return static_cast<double>(runs) / cpu.wall_s; }
};

/// Each organization loops on its own thread; a thread submits no new run
/// once `window` has passed, and the measurement ends when the last run in
/// flight has ended.
load_result run_loop(const std::vector<bench_org>& orgs,
                     std::chrono::seconds window, pid_t server,
                     failure_log& failures);

/// `runs_per_org` runs for each organization, one after the other, with
/// `clients` organizations in flight at once.
load_result run_serial(const std::vector<bench_org>& orgs, int runs_per_org,
                       int clients, pid_t server, failure_log& failures);

/// CPU of the server with no requests at all, over `window`.
cpu_window::reading measure_idle(pid_t server, std::chrono::seconds window);

} // namespace downhill::bench
