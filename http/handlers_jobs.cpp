#include "http/handlers.hpp"

#include "actors/clock.hpp"
#include "actors/job_rules.hpp"
#include "http/json_views.hpp"
#include "http/request_parsing.hpp"
#include "persistence/control_plane.hpp"
#include "scheduler/schedule.hpp"

#include <vector>

namespace downhill::http {

namespace {

/// The schedule, parsed (a missing one is now), or invalid_schedule. The
/// job keeps it parsed from here on; its stored form is written from it.
scheduler::schedule schedule_of(const json& body) {
  auto i = body.find("schedule");
  if (i == body.end() || i->is_null())
    return {};
  auto parsed = scheduler::parse_schedule(i->dump());
  if (!parsed.value)
    throw bad_request{make_error(error_code::invalid_schedule,
                                 "Invalid schedule: " + parsed.error + ".",
                                 "schedule")};
  return *parsed.value;
}

/// The field that names a job's target: a Create names the new
/// environment. None for a type that is not a job type.
const char* target_field(std::optional<persistence::job_type> type) {
  if (type == persistence::job_type::sync_environments)
    return "target_environment";
  if (type == persistence::job_type::create_environment)
    return "new_environment";
  return nullptr;
}

/// Reads a submission's fields (their JSON types and lengths). Whether the
/// job may run is check_job's to say, in the org actor.
job_spec parse_job(const api_request& r) {
  auto body = parse_object(r.body);
  job_spec spec;
  spec.name = required_string(body, "name", 200);
  spec.type = persistence::job_type_from_string(
    required_string(body, "type", 64));
  spec.trigger = "manual";
  spec.created_by = r.caller.user;
  // Which fields follow depends on the type. An unknown type has none:
  // check_job refuses it, naming `type`, before any other field matters.
  auto target = target_field(spec.type);
  if (target == nullptr)
    return spec;
  spec.base_environment = required_string(body, "base_environment", 63);
  spec.target_environment = required_string(body, target, 63);
  if (spec.type == persistence::job_type::create_environment)
    spec.display_name = optional_string(body, "display_name", 100);
  spec.schedule = schedule_of(body);
  return spec;
}

/// One page of jobs, newest first (`?limit=50&before=ID`), as
/// `{"<name>":[...],"next":ID|null}`.
api_response job_page(core& c, const api_request& r, const char* name,
                      json (*view)(const persistence::job_record&)) {
  auto limit = query_int(r, "limit", 50, 1, 500);
  auto before = query_int(r, "before", INT64_MAX, 1, INT64_MAX);
  bool recurring_only = std::string{name} == "recurring_jobs";
  auto jobs = c.read_value([&](persistence::control_plane& db) {
    return db.list_jobs_page(r.param("org"), before, limit, recurring_only);
  });
  auto page = page_json(name, jobs, limit, view, [](auto& job) {
    return std::to_string(job.id);
  });
  return json_response(200, page.dump());
}

/// A query parameter's text; empty when it is missing or empty (either
/// means "any", as for the paging parameters).
const std::string& query_text(const api_request& r, const std::string& name) {
  static const std::string none;
  auto i = r.query.find(name);
  return i == r.query.end() ? none : i->second;
}

/// A filter parameter naming an environment or a job: any text a job's
/// field could hold, so at most that field's length.
std::string query_name(const api_request& r, const std::string& name,
                       size_t max_size) {
  auto& text = query_text(r, name);
  if (text.size() > max_size)
    throw bad_request{make_error(
      error_code::invalid_field,
      name + " must be at most " + std::to_string(max_size) + " characters.",
      name)};
  return text;
}

/// The runs list's filters (`?status=&job=&name=&environment=&trigger=`),
/// each checked; a missing or empty one matches any run.
persistence::run_filter run_filter_of(const api_request& r) {
  persistence::run_filter filter;
  if (auto& status = query_text(r, "status"); !status.empty()) {
    filter.status = persistence::run_status_from_string(status);
    if (!filter.status)
      throw bad_request{make_error(
        error_code::invalid_field,
        "status must be one of queued, running, succeeded, failed, "
        "cancelled, interrupted.",
        "status")};
  }
  filter.job_id = query_int(r, "job", 0, 1, INT64_MAX);
  filter.name = query_name(r, "name", 200);
  filter.environment = query_name(r, "environment", 63);
  filter.trigger = query_text(r, "trigger");
  if (!filter.trigger.empty() && filter.trigger != "manual"
      && filter.trigger != "schedule")
    throw bad_request{make_error(error_code::invalid_field,
                                 "trigger must be manual or schedule.",
                                 "trigger")};
  return filter;
}

/// 404 "No <what> <id>."
api_response not_found(const char* what, int64_t id) {
  return error_response(make_error(
    error_code::not_found,
    std::string{"No "} + what + " " + std::to_string(id) + "."));
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
    if (submitted.value.run_id != 0 && run)
      body["run"] = run_json(*run, now_ms());
  });
  return json_response(201, body.dump());
}

api_response list_jobs(core& c, const api_request& r) {
  return job_page(c, r, "jobs", job_json);
}

api_response get_job(core& c, const api_request& r) {
  auto id = id_param(r, "job");
  auto job = c.read_value([&](persistence::control_plane& db) {
    return db.get_job(r.param("org"), id);
  });
  if (!job)
    return not_found("job", id);
  return json_response(200, job_json(*job).dump());
}

api_response list_runs(core& c, const api_request& r) {
  auto limit = query_int(r, "limit", 50, 1, 500);
  auto before = query_int(r, "before", INT64_MAX, 1, INT64_MAX);
  auto filter = run_filter_of(r);
  auto runs = c.read_value([&](persistence::control_plane& db) {
    return db.list_runs(r.param("org"), before, limit, filter);
  });
  auto now = now_ms();
  auto page = page_json(
    "runs", runs, limit, [now](auto& run) { return run_json(run, now); },
    [](auto& run) { return run.id; });
  return json_response(200, page.dump());
}

api_response get_run(core& c, const api_request& r) {
  auto id = id_param(r, "run");
  auto run = c.read_value([&](persistence::control_plane& db) {
    return db.get_run(r.param("org"), id);
  });
  if (!run)
    return not_found("run", id);
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
    return not_found("run", id);
  json next = list.empty() ? json(after) : list.back()["seq"];
  return json_response(200, json{{"logs", list}, {"next", next}}.dump());
}

api_response cancel_run(core& c, const api_request& r) {
  auto id = id_param(r, "run");
  auto run = c.read_value([&](persistence::control_plane& db) {
    return db.get_run(r.param("org"), id);
  });
  if (!run)
    return not_found("run", id);
  if (auto error = c.cancel_run(r.param("org"), id))
    return error_response(error);
  return json_response(202, json{{"id", std::to_string(id)},
                                 {"status", "cancelling"}}
                              .dump());
}

namespace {

api_response recurring_response(core& c, const api_request& r, int64_t id) {
  auto job = c.read_value([&](persistence::control_plane& db) {
    return db.get_job(r.param("org"), id);
  });
  if (!job)
    return not_found("recurring job", id);
  return json_response(200, recurring_json(*job).dump());
}

api_response change_recurring(core& c, const api_request& r,
                              core::recurring_change change) {
  auto id = id_param(r, "job");
  if (auto error = c.change_recurring_job(r.param("org"), id, change))
    return error_response(error);
  if (change == core::recurring_change::remove)
    return {204, ""};
  return recurring_response(c, r, id);
}

} // namespace

api_response list_recurring_jobs(core& c, const api_request& r) {
  return job_page(c, r, "recurring_jobs", recurring_json);
}

api_response pause_recurring_job(core& c, const api_request& r) {
  return change_recurring(c, r, core::recurring_change::pause);
}

api_response resume_recurring_job(core& c, const api_request& r) {
  return change_recurring(c, r, core::recurring_change::resume);
}

api_response delete_recurring_job(core& c, const api_request& r) {
  return change_recurring(c, r, core::recurring_change::remove);
}

} // namespace downhill::http
