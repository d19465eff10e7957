#include "actors/run_lifecycle.hpp"

#include "actors/server_log.hpp"
#include "metrics/server_metrics.hpp"
#include "persistence/records.hpp"

namespace downhill {

using persistence::run_status;

namespace {

void count_state(run_status status, int64_t delta) {
  auto& m = metrics::server();
  if (status == run_status::queued)
    m.runs_queued.get().add(delta);
  else if (status == run_status::running)
    m.runs_running.get().add(delta);
}

} // namespace

void run_lifecycle::created(const persistence::new_run& run,
                            const persistence::created_run& ids) {
  auto& live = live_[ids.run_id];
  live.org_id = run.job.org_id;
  live.type = run.job.type;
  live.status = run.status;
  if (run.status == run_status::running)
    live.started_at = ids.created_at;
  count_state(run.status, 1);
  log_event(log_level::info,
            run.status == run_status::running ? "run started" : "run queued",
            {{"org", live.org_id},
             {"run", ids.run_id},
             {"job", ids.job_id},
             {"type", to_string(live.type)},
             {"trigger", run.trigger}});
}

void run_lifecycle::adopted(
  const std::string& org_id,
  const std::vector<persistence::unfinished_run>& runs) {
  for (auto& run : runs) {
    if (live_.count(run.run_id))
      continue;
    auto& live = live_[run.run_id];
    live.org_id = org_id;
    live.type = run.type;
    live.status = run.status;
    count_state(run.status, 1);
  }
}

void run_lifecycle::committed(const persistence::run_progress& progress) {
  if (!progress.status)
    return;
  auto status = *progress.status;
  auto i = live_.find(progress.run_id);
  live_run known;
  if (i != live_.end())
    known = i->second;
  // A run this process never saw created (it should not happen) is still
  // counted, under type "unknown".
  const char* type = i != live_.end() ? to_string(known.type) : "unknown";
  if (status == known.status)
    return;
  if (status == run_status::running) {
    if (i != live_.end()) {
      count_state(known.status, -1);
      i->second.status = status;
      i->second.started_at = progress.started_at;
      count_state(status, 1);
    }
    log_event(log_level::info, "run started",
              {{"org", known.org_id}, {"run", progress.run_id}, {"type", type}});
    return;
  }
  if (status == run_status::queued)
    return;
  // A final status.
  auto& m = metrics::server();
  if (i != live_.end()) {
    count_state(known.status, -1);
    live_.erase(i);
  }
  m.runs_finished.with({type, to_string(status)}).inc();
  std::vector<log_field> fields{{"org", known.org_id},
                                {"run", progress.run_id},
                                {"type", type},
                                {"status", to_string(status)}};
  if (known.started_at != 0 && progress.finished_at >= known.started_at) {
    auto ms = progress.finished_at - known.started_at;
    m.run_duration.get().observe(static_cast<double>(ms) / 1000.0);
    fields.emplace_back("duration_ms", ms);
  }
  log_event(status == run_status::succeeded ? log_level::info
                                            : log_level::warning,
            "run finished", fields);
}

} // namespace downhill
