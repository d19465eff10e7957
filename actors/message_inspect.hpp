// The `inspect` overloads of the message structs (actors/messages.hpp) and
// of the persistence records they carry: CAF needs them to print and
// serialize a message (org actors on other machines will need the latter).
// Only code that builds CAF messages includes this, through
// actors/interfaces.hpp; the HTTP layer sees the plain structs alone.
#pragma once

#include "actors/messages.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <optional>

namespace downhill::scheduler {

/// The expanded fields travel as bit masks (every set fits in 64 bits), so
/// a schedule arrives parsed: no actor parses it again.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cron_fields& x) {
  uint64_t minutes = x.minutes.to_ullong();
  uint64_t hours = x.hours.to_ullong();
  uint64_t days_of_month = x.days_of_month.to_ullong();
  uint64_t months = x.months.to_ullong();
  uint64_t days_of_week = x.days_of_week.to_ullong();
  auto load = [&]() -> caf::error {
    x.minutes = decltype(x.minutes){minutes};
    x.hours = decltype(x.hours){hours};
    x.days_of_month = decltype(x.days_of_month){days_of_month};
    x.months = decltype(x.months){months};
    x.days_of_week = decltype(x.days_of_week){days_of_week};
    return caf::none;
  };
  return f(caf::meta::type_name("cron_fields"), minutes, hours, days_of_month,
           months, days_of_week, x.day_of_month_restricted,
           x.day_of_week_restricted, caf::meta::load_callback(load));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, schedule& x) {
  return f(caf::meta::type_name("schedule"), x.what, x.timezone,
           x.timezone_named, x.every_seconds, x.minute, x.at, x.day,
           x.expression, x.fields);
}

} // namespace downhill::scheduler

namespace downhill {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, api_error& x) {
  return f(caf::meta::type_name("api_error"), x.code, x.message, x.field,
           x.run_id);
}

/// The optional type travels as a flag and a value (CAF 0.17 cannot inspect
/// a std::optional; it serializes the enum through its underlying integer).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_spec& x) {
  bool has_type = x.type.has_value();
  auto type = x.type.value_or(persistence::job_type::sync_environments);
  auto load = [&]() -> caf::error {
    x.type = has_type ? std::optional<persistence::job_type>{type}
                      : std::nullopt;
    return caf::none;
  };
  return f(caf::meta::type_name("job_spec"), x.job_id, x.name, has_type, type,
           x.base_environment, x.target_environment, x.display_name,
           x.schedule, x.trigger, x.created_by,
           caf::meta::load_callback(load));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, environment_view& x) {
  return f(caf::meta::type_name("environment_view"), x.id, x.display_name,
           x.parent, x.status, x.created_at, x.locked_by_run);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, submit_reply& x) {
  return f(caf::meta::type_name("submit_reply"), x.error, x.job_id, x.run_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, content_grant& x) {
  return f(caf::meta::type_name("content_grant"), x.error, x.key);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, progress_update& x) {
  return f(caf::meta::type_name("progress_update"), x.task, x.phase,
           x.percent);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_log& x) {
  return f(caf::meta::type_name("task_log"), x.task, x.level, x.message);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_outcome& x) {
  return f(caf::meta::type_name("task_outcome"), x.task, x.status, x.message);
}

} // namespace downhill

namespace downhill::persistence {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, org_record& x) {
  return f(caf::meta::type_name("org_record"), x.id, x.name, x.created_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_record& x) {
  return f(caf::meta::type_name("user_record"), x.org_id, x.name,
           x.token_hash);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, environment_record& x) {
  return f(caf::meta::type_name("environment_record"), x.key, x.org_id, x.id,
           x.display_name, x.parent, x.status, x.generation, x.created_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_record& x) {
  return f(caf::meta::type_name("job_record"), x.id, x.org_id, x.name, x.type,
           x.base_environment, x.target_environment, x.display_name,
           x.schedule_json, x.state, x.created_by, x.created_at,
           x.latest_run_id, x.next_run_at, x.last_fired_at, x.skipped_firings,
           x.last_skipped_at, x.last_skip_reason);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, schedule_state& x) {
  return f(caf::meta::type_name("schedule_state"), x.job_id, x.state,
           x.next_run_at, x.last_fired_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_record& x) {
  return f(caf::meta::type_name("task_record"), x.id, x.name, x.status,
           x.phase, x.percent);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, log_record& x) {
  return f(caf::meta::type_name("log_record"), x.seq, x.task, x.level,
           x.message, x.at);
}

/// CAF 0.17 cannot inspect a std::optional: the status travels as a flag
/// and a value (CAF serializes the enum through its underlying integer).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, run_progress& x) {
  bool status_changed = x.status.has_value();
  auto status = x.status.value_or(run_status::queued);
  auto load = [&]() -> caf::error {
    x.status = status_changed ? std::optional<run_status>{status}
                              : std::nullopt;
    return caf::none;
  };
  return f(caf::meta::type_name("run_progress"), x.run_id, x.logs, x.tasks,
           status_changed, status, x.started_at, x.finished_at, x.environment_key,
           x.switch_generation, x.mark_environment_ready,
           x.delete_environment, x.close_open_tasks,
           caf::meta::load_callback(load));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, skipped_firing& x) {
  return f(caf::meta::type_name("skipped_firing"), x.job_id, x.at, x.reason,
           x.count);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, unfinished_run& x) {
  return f(caf::meta::type_name("unfinished_run"), x.run_id, x.status, x.type,
           x.base_environment, x.target_environment);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, new_run& x) {
  return f(caf::meta::type_name("new_run"), x.job, x.trigger, x.created_by,
           x.task_names, x.status, x.creates_environment, x.new_environment,
           x.scheduled_at, x.created_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, created_run& x) {
  return f(caf::meta::type_name("created_run"), x.job_id, x.run_id,
           x.new_environment_key, x.task_ids, x.created_at, x.scheduled_at);
}

} // namespace downhill::persistence

namespace downhill {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, created_run_reply& x) {
  return f(caf::meta::type_name("created_run_reply"), x.error, x.run);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, created_job_reply& x) {
  return f(caf::meta::type_name("created_job_reply"), x.error, x.job_id);
}

/// The spec travels by value (a shared one is only shared in one process).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, scheduled_firing& x) {
  job_spec spec = x.spec ? *x.spec : job_spec{};
  auto load = [&]() -> caf::error {
    x.spec = std::make_shared<const job_spec>(std::move(spec));
    return caf::none;
  };
  return f(caf::meta::type_name("scheduled_firing"), spec, x.planned,
           caf::meta::load_callback(load));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, org_snapshot& x) {
  return f(caf::meta::type_name("org_snapshot"), x.error, x.environments,
           x.recurring_jobs, x.unfinished_runs);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, created_org_reply& x) {
  return f(caf::meta::type_name("created_org_reply"), x.error,
           x.main_environment);
}

} // namespace downhill

// Frames and subscriptions carry a shared buffer and a callback: they only
// travel between actors of one process. (Remote org actors would publish
// the frame's text instead.)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(downhill::event_frame)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(downhill::subscription)
