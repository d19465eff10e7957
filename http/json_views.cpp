#include "http/json_views.hpp"

#include "actors/job_rules.hpp"
#include "http/json_limits.hpp"

#include <ctime>

namespace downhill::http {

namespace {

/// A JSON document stored by an earlier write. Writes are bounded since
/// this server's first hardened version; a document stored before that may
/// be too deep to handle, and is shown as null rather than crash the read.
json stored_document(const std::string& text) {
  auto value = parse_bounded(text);
  return value.is_discarded() ? json(nullptr) : value;
}

} // namespace

json environment_json(const environment_view& env) {
  json out{{"id", env.id},
           {"display_name", env.display_name},
           {"parent", env.parent.empty() ? json(nullptr) : json(env.parent)},
           {"status", to_string(env.status)},
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
              {"fields", stored_document(e.fields_json)},
              {"version", e.version},
              {"updated_at", e.updated_at}};
}

json item_json(const persistence::named_item& item) {
  auto out = stored_document(item.attributes_json);
  if (!out.is_object())
    out = json::object();
  out["id"] = item.id;
  out["name"] = item.name;
  out["created_at"] = item.created_at;
  return out;
}

json job_json(const persistence::job_record& job) {
  json out{{"id", std::to_string(job.id)},
           {"name", job.name},
           {"type", to_string(job.type)},
           {"base_environment", job.base_environment},
           {"schedule", stored_document(job.schedule_json)},
           {"created_by", job.created_by},
           {"created_at", time_json(job.created_at)},
           {"latest_run_id", job.latest_run_id == 0
                               ? json(nullptr)
                               : json(std::to_string(job.latest_run_id))}};
  if (job.type == persistence::job_type::create_environment) {
    out["new_environment"] = job.target_environment;
    out["display_name"] = job.display_name.empty() ? job.target_environment
                                                   : job.display_name;
  } else {
    out["target_environment"] = job.target_environment;
  }
  if (job.state != persistence::job_state::once) {
    out["state"] = to_string(job.state);
    out["next_run_at"] = time_json(job.next_run_at);
  }
  return out;
}

json recurring_json(const persistence::job_record& job) {
  auto out = job_json(job);
  out["job_id"] = out["id"];
  // Firings that created no run: one of the job's runs was still waiting.
  out["skipped_firings"] = job.skipped_firings;
  out["last_skipped_at"] = time_json(job.last_skipped_at);
  out["last_skip_reason"] = job.last_skip_reason.empty()
                              ? json(nullptr)
                              : json(job.last_skip_reason);
  return out;
}

} // namespace downhill::http
