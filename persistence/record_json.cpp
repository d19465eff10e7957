#include "persistence/record_json.hpp"

#include <date/date.h>

#include <chrono>

namespace downhill::persistence {

using json = nlohmann::json;

std::string format_time(int64_t ms) {
  // %T of a millisecond time point prints HH:MM:SS.mmm.
  return date::format("%FT%TZ", date::sys_time<std::chrono::milliseconds>{
                                  std::chrono::milliseconds{ms}});
}

json time_json(int64_t ms) {
  return ms == 0 ? json(nullptr) : json(format_time(ms));
}

json run_json(const run_record& run, int64_t now) {
  json tasks = json::array();
  for (auto& t : run.tasks)
    tasks.push_back({{"id", std::to_string(t.id)},
                     {"name", t.name},
                     {"status", to_string(t.status)},
                     {"phase", t.phase.empty() ? json(nullptr) : json(t.phase)},
                     {"percent", t.percent}});
  int64_t elapsed = 0;
  if (run.started_at != 0)
    elapsed = (run.finished_at != 0 ? run.finished_at : now) - run.started_at;
  return json{{"id", std::to_string(run.id)},
              {"job_id", std::to_string(run.job_id)},
              {"name", run.name},
              {"type", to_string(run.type)},
              {"status", to_string(run.status)},
              {"trigger", run.trigger},
              {"created_by", run.created_by},
              {"base_environment", run.base_environment},
              {"target_environment", run.target_environment},
              {"total_logs", run.total_logs},
              {"total_errors", run.total_errors},
              {"total_warnings", run.total_warnings},
              {"created_at", time_json(run.created_at)},
              {"started_at", time_json(run.started_at)},
              {"finished_at", time_json(run.finished_at)},
              {"elapsed_ms", elapsed},
              {"scheduled_at", time_json(run.scheduled_at)},
              {"tasks", tasks}};
}

json log_json(const log_record& log) {
  return json{{"seq", log.seq},
              {"task", log.task},
              {"level", to_string(log.level)},
              {"message", log.message},
              {"at", format_time(log.at)}};
}

} // namespace downhill::persistence
