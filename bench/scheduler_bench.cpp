// Registers many recurring jobs with one scheduler actor and measures how
// late they fire (actual minus planned) and what each schedule costs in
// memory. No HTTP, no SQLite: the scheduler alone, firing at a sink actor.
//
//   scheduler_bench [SCHEDULES=100000] [SECONDS=25]
//
// Every job is an `interval` of 10 s with its phase spread over the 10 s,
// so about SCHEDULES/10 jobs fire each second, all on whole seconds (the
// schedules' resolution): bursts of that size every second.
#include "actors/clock.hpp"
#include "scheduler/scheduler_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace downhill;

namespace {

long rss_kib() {
  std::ifstream status{"/proc/self/status"};
  std::string key;
  long value = 0;
  while (status >> key) {
    if (key == "VmRSS:") {
      status >> value;
      return value;
    }
    status.ignore(4096, '\n');
  }
  return 0;
}

struct delays {
  std::mutex mutex;
  std::vector<int64_t> ms;
};

fire_target::behavior_type sink(fire_target::pointer,
                                std::shared_ptr<delays> out) {
  return {
    [=](fire_atom, const firing_batch& batch) {
      // Each firing is as late as the batch it arrived in.
      auto now = now_ms();
      std::lock_guard<std::mutex> lock{out->mutex};
      for (auto& fired : batch)
        out->ms.push_back(now - fired.planned);
    },
  };
}

int64_t percentile(std::vector<int64_t>& v, double p) {
  if (v.empty())
    return 0;
  auto i = static_cast<size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(i), v.end());
  return v[i];
}

} // namespace

int main(int argc, char** argv) {
  int count = argc > 1 ? std::stoi(argv[1]) : 100000;
  int seconds = argc > 2 ? std::stoi(argv[2]) : 25;
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  auto recorded = std::make_shared<delays>();
  auto target = system.spawn(sink, recorded);
  auto scheduler_handle
    = system.spawn(recurring_scheduler, control_plane_writer_actor{},
                   std::function<int64_t()>{});
  auto rss_before = rss_kib();
  auto start = now_ms();
  {
    caf::scoped_actor self{system};
    for (int i = 0; i < count; ++i) {
      recurring_job job;
      job.spec.job_id = i + 1;
      job.spec.name = "bench";
      job.spec.type = persistence::job_type::sync_environments;
      job.spec.schedule.what = scheduler::schedule::kind::interval;
      job.spec.schedule.every_seconds = 10;
      job.org_id = "bench";
      job.org = target;
      // Phases spread over the interval; first firing 2-12 s from now.
      job.anchor = start + 2000 + static_cast<int64_t>(i % 10) * 1000;
      job.next_run_at = job.anchor;
      self->send(scheduler_handle, register_atom::value, std::move(job));
    }
  }
  // Registration is asynchronous: wait until the first firings arrive.
  auto registered_in = now_ms() - start;
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  auto rss_after = rss_kib();
  std::printf("schedules: %d, registered in %lld ms\n", count,
              static_cast<long long>(registered_in));
  std::printf("memory: RSS %ld KiB before, %ld KiB after: %.0f bytes per "
              "schedule\n",
              rss_before, rss_after,
              1024.0 * static_cast<double>(rss_after - rss_before) / count);
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  std::vector<int64_t> late;
  {
    std::lock_guard<std::mutex> lock{recorded->mutex};
    late = recorded->ms;
  }
  auto fired = late.size();
  std::printf("fired: %zu firings in %d s (%.0f per second)\n", fired,
              seconds, static_cast<double>(fired) / (seconds + 1.5));
  auto p50 = percentile(late, 0.50);
  auto p99 = percentile(late, 0.99);
  auto max = late.empty() ? 0 : *std::max_element(late.begin(), late.end());
  std::printf("firing delay (actual - planned): p50 %lld ms, p99 %lld ms, "
              "max %lld ms\n",
              static_cast<long long>(p50), static_cast<long long>(p99),
              static_cast<long long>(max));
  caf::anon_send_exit(scheduler_handle, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(target, caf::exit_reason::user_shutdown);
  return 0;
}
