// CPU time spent by the server process (and by the bench itself, which
// competes with it for the same cores), measured over a window of wall time.
#pragma once

#include <chrono>

#include <sys/types.h>

namespace downhill::bench {

/// User + system CPU of process `pid`, in milliseconds, from
/// /proc/<pid>/stat: every thread, including those that already exited
/// (the detached copy actors). Throws if the process is gone.
double process_cpu_ms(pid_t pid);

/// User + system CPU of this process (all its threads), in milliseconds.
double own_cpu_ms();

/// Wall time and both processes' CPU since it was made.
class cpu_window {
public:
  explicit cpu_window(pid_t server);

  struct reading {
    double wall_s = 0;
    double server_cpu_ms = 0;
    double bench_cpu_ms = 0;
    /// CPU per second of wall time: 1000 ms/s is one core busy.
    double server_ms_per_s() const { return server_cpu_ms / wall_s; }
    double bench_ms_per_s() const { return bench_cpu_ms / wall_s; }
  };
  reading read() const;

private:
  pid_t server_;
  std::chrono::steady_clock::time_point wall_start_;
  double server_start_ms_;
  double bench_start_ms_;
};

} // namespace downhill::bench
