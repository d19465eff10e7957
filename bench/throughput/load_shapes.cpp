#include "throughput/load_shapes.hpp"

#include "throughput/parallel.hpp"

#include <mutex>
#include <thread>

namespace downhill::bench {

namespace {

using clock_type = std::chrono::steady_clock;

/// Every run's timing, from every client thread.
class timings {
public:
  void add(const sync_timing& t) {
    std::lock_guard<std::mutex> lock{mutex_};
    submit_.push_back(t.submit_ms);
    stream_open_.push_back(t.stream_open_ms);
    end_to_end_.push_back(t.end_to_end_ms);
    server_.push_back(t.server_ms);
  }

  load_result result(const cpu_window::reading& cpu) const {
    std::lock_guard<std::mutex> lock{mutex_};
    load_result r;
    r.runs = static_cast<int64_t>(submit_.size());
    r.cpu = cpu;
    r.submit = summarize(submit_);
    r.stream_open = summarize(stream_open_);
    r.end_to_end = summarize(end_to_end_);
    r.server_elapsed = summarize(server_);
    return r;
  }

private:
  mutable std::mutex mutex_;
  std::vector<double> submit_, stream_open_, end_to_end_, server_;
};

} // namespace

load_result run_loop(const std::vector<bench_org>& orgs,
                     std::chrono::seconds window, pid_t server,
                     failure_log& failures) {
  timings all;
  cpu_window cpu{server};
  auto stop_submitting = clock_type::now() + window;
  // One thread per organization. An organization whose run failed stops
  // (the failure is recorded); the others go on.
  for_each_index(orgs.size(), orgs.size(), failures, [&](size_t i) {
    while (clock_type::now() < stop_submitting)
      all.add(orgs[i].sync_once());
  });
  return all.result(cpu.read());
}

load_result run_serial(const std::vector<bench_org>& orgs, int runs_per_org,
                       int clients, pid_t server, failure_log& failures) {
  timings all;
  cpu_window cpu{server};
  for_each_index(orgs.size(), static_cast<size_t>(clients), failures,
                 [&](size_t i) {
                   for (int run = 0; run < runs_per_org; ++run)
                     all.add(orgs[i].sync_once());
                 });
  return all.result(cpu.read());
}

cpu_window::reading measure_idle(pid_t server, std::chrono::seconds window) {
  cpu_window cpu{server};
  // Not a synchronization: the window over which idle CPU is measured.
  std::this_thread::sleep_for(window);
  return cpu.read();
}

} // namespace downhill::bench
