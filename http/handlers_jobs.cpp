#include "http/handlers.hpp"

#include "actors/clock.hpp"
#include "actors/job_rules.hpp"
#include "http/json_views.hpp"
#include "http/request_parsing.hpp"
#include "persistence/control_plane.hpp"

namespace downhill::http {

namespace {

std::string schedule_of(const json& body) {
  auto i = body.find("schedule");
  if (i == body.end() || i->is_null())
    return R"({"kind":"now"})";
  if (!i->is_object() || !i->contains("kind") || !(*i)["kind"].is_string())
    throw bad_request{make_error(error_code::invalid_schedule,
                                 "schedule must be an object with a kind, "
                                 "e.g. {\"kind\":\"now\"}.")};
  auto kind = (*i)["kind"].get<std::string>();
  if (kind != "now")
    // Recurring kinds are validated and run by the scheduler (not in this
    // server yet); refusing them beats accepting a job that never fires.
    throw bad_request{make_error(error_code::invalid_schedule,
                                 "Recurring schedules ('" + kind.substr(0, 20)
                                   + "') are not available on this server "
                                     "yet; use {\"kind\":\"now\"}.")};
  return i->dump();
}

job_spec parse_job(const api_request& r) {
  auto body = parse_object(r.body);
  job_spec spec;
  spec.name = required_string(body, "name", 200);
  spec.type = required_string(body, "type", 64);
  if (spec.type != create_environment_type && spec.type != sync_environments_type)
    throw bad_request{make_error(error_code::invalid_field,
                                 "type must be create_environment or "
                                 "sync_environments.",
                                 "type")};
  spec.base_environment = required_string(body, "base_environment", 63);
  if (spec.type == sync_environments_type) {
    spec.target_environment = required_string(body, "target_environment", 63);
  } else {
    spec.target_environment = required_string(body, "new_environment", 63);
    spec.display_name = optional_string(body, "display_name", 100);
  }
  spec.schedule_json = schedule_of(body);
  spec.trigger = "manual";
  spec.created_by = r.caller.user;
  return spec;
}

api_response run_not_found(int64_t id) {
  return error_response(
    make_error(error_code::not_found, "No run " + std::to_string(id) + "."));
}

} // namespace

api_response submit_job(core& c, const api_request& r) {
  auto spec = parse_job(r);
  auto& org = r.param("org");
  auto submitted = c.submit_job(org, spec);
  if (submitted.error)
    return error_response(submitted.error);
  json body;
  c.read([&](persistence::control_plane& db) {
    auto job = db.get_job(org, submitted.value.job_id);
    auto run = db.get_run(org, submitted.value.run_id);
    body["job"] = job ? job_json(*job) : json(nullptr);
    if (run)
      body["run"] = run_json(*run, now_ms());
  });
  return json_response(201, body.dump());
}

api_response list_jobs(core& c, const api_request& r) {
  json list = json::array();
  c.read([&](persistence::control_plane& db) {
    for (auto& job : db.list_jobs(r.param("org")))
      list.push_back(job_json(job));
  });
  return json_response(200, json{{"jobs", list}}.dump());
}

api_response get_job(core& c, const api_request& r) {
  auto id = id_param(r, "job");
  std::optional<persistence::job_record> job;
  c.read([&](persistence::control_plane& db) {
    job = db.get_job(r.param("org"), id);
  });
  if (!job)
    return error_response(make_error(error_code::not_found,
                                     "No job " + std::to_string(id) + "."));
  return json_response(200, job_json(*job).dump());
}

api_response list_runs(core& c, const api_request& r) {
  auto limit = query_int(r, "limit", 50, 1, 500);
  auto before = query_int(r, "before", INT64_MAX, 1, INT64_MAX);
  json list = json::array();
  auto now = now_ms();
  c.read([&](persistence::control_plane& db) {
    for (auto& run : db.list_runs(r.param("org"), before, limit))
      list.push_back(run_json(run, now));
  });
  json next = static_cast<int64_t>(list.size()) == limit
                ? list.back()["id"]
                : json(nullptr);
  return json_response(200, json{{"runs", list}, {"next", next}}.dump());
}

api_response get_run(core& c, const api_request& r) {
  auto id = id_param(r, "run");
  std::optional<persistence::run_record> run;
  c.read([&](persistence::control_plane& db) {
    run = db.get_run(r.param("org"), id);
  });
  if (!run)
    return run_not_found(id);
  return json_response(200, run_json(*run, now_ms()).dump());
}

api_response list_logs(core& c, const api_request& r) {
  auto id = id_param(r, "run");
  auto after = query_int(r, "after", 0, 0, INT64_MAX);
  auto limit = query_int(r, "limit", 500, 1, 5000);
  bool found = false;
  json list = json::array();
  c.read([&](persistence::control_plane& db) {
    found = db.get_run(r.param("org"), id).has_value();
    if (found)
      for (auto& log : db.list_logs(id, after, limit))
        list.push_back(log_json(log));
  });
  if (!found)
    return run_not_found(id);
  json next = list.empty() ? json(after) : list.back()["seq"];
  return json_response(200, json{{"logs", list}, {"next", next}}.dump());
}

api_response cancel_run(core& c, const api_request& r) {
  auto id = id_param(r, "run");
  bool found = false;
  c.read([&](persistence::control_plane& db) {
    found = db.get_run(r.param("org"), id).has_value();
  });
  if (!found)
    return run_not_found(id);
  if (auto error = c.cancel_run(r.param("org"), id))
    return error_response(error);
  return json_response(202, json{{"id", std::to_string(id)},
                                 {"status", "cancelling"}}
                              .dump());
}

} // namespace downhill::http
