#include "http/json_views.hpp"

#include "actors/job_rules.hpp"

#include <ctime>

namespace downhill::http {

std::string format_time(int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  auto n = std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof(text) - n, ".%03dZ",
                static_cast<int>(ms % 1000));
  return text;
}

json time_json(int64_t ms) {
  return ms == 0 ? json(nullptr) : json(format_time(ms));
}

json environment_json(const environment_view& env) {
  json out{{"id", env.id},
           {"display_name", env.display_name},
           {"parent", env.parent.empty() ? json(nullptr) : json(env.parent)},
           {"status", env.status},
           {"created_at", time_json(env.created_at)}};
  if (env.locked_by_run != 0)
    out["run_id"] = std::to_string(env.locked_by_run);
  return out;
}

json environment_json(const persistence::environment_record& env) {
  return environment_json(environment_view{env.id, env.display_name,
                                           env.parent, env.status,
                                           env.created_at, 0});
}

json entry_json(const persistence::entry_record& e) {
  return json{{"id", e.id},
              {"content_type", e.content_type},
              {"locale", e.locale},
              {"title", e.title},
              {"body", e.body},
              {"fields", json::parse(e.fields_json)},
              {"version", e.version},
              {"updated_at", e.updated_at}};
}

json item_json(const persistence::named_item& item) {
  auto out = json::parse(item.attributes_json);
  out["id"] = item.id;
  out["name"] = item.name;
  out["created_at"] = item.created_at;
  return out;
}

json run_json(const persistence::run_record& run, int64_t now) {
  json tasks = json::array();
  for (auto& t : run.tasks)
    tasks.push_back({{"id", std::to_string(t.id)},
                     {"name", t.name},
                     {"status", t.status},
                     {"phase", t.phase.empty() ? json(nullptr) : json(t.phase)},
                     {"percent", t.percent}});
  int64_t elapsed = 0;
  if (run.started_at != 0)
    elapsed = (run.finished_at != 0 ? run.finished_at : now) - run.started_at;
  return json{{"id", std::to_string(run.id)},
              {"job_id", std::to_string(run.job_id)},
              {"name", run.name},
              {"type", run.type},
              {"status", run.status},
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
              {"tasks", tasks}};
}

json job_json(const persistence::job_record& job) {
  json out{{"id", std::to_string(job.id)},
           {"name", job.name},
           {"type", job.type},
           {"base_environment", job.base_environment},
           {"schedule", json::parse(job.schedule_json)},
           {"created_by", job.created_by},
           {"created_at", time_json(job.created_at)},
           {"latest_run_id", job.latest_run_id == 0
                               ? json(nullptr)
                               : json(std::to_string(job.latest_run_id))}};
  if (job.type == create_environment_type) {
    out["new_environment"] = job.target_environment;
    out["display_name"] = job.display_name.empty() ? job.target_environment
                                                   : job.display_name;
  } else {
    out["target_environment"] = job.target_environment;
  }
  if (job.state != "once") {
    out["state"] = job.state;
    out["next_run_at"] = time_json(job.next_run_at);
  }
  return out;
}

json recurring_json(const persistence::job_record& job) {
  auto out = job_json(job);
  out["job_id"] = out["id"];
  return out;
}

json log_json(const persistence::log_record& log) {
  return json{{"seq", log.seq},
              {"task", log.task},
              {"level", log.level},
              {"message", log.message},
              {"at", format_time(log.at)}};
}

} // namespace downhill::http
