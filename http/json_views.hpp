// How downhill's records look in the API (API.md), in one place.
#pragma once

#include "actors/messages.hpp"
#include "persistence/content_store.hpp"
#include "persistence/records.hpp"

#include <nlohmann/json.hpp>

namespace downhill::http {

using json = nlohmann::json;

/// RFC 3339 UTC with milliseconds; null for 0.
json time_json(int64_t ms_since_epoch);
std::string format_time(int64_t ms_since_epoch);

json environment_json(const environment_view& env);
json environment_json(const persistence::environment_record& env);
json entry_json(const persistence::entry_record& entry);
json item_json(const persistence::named_item& item);
json run_json(const persistence::run_record& run, int64_t now_ms);
json job_json(const persistence::job_record& job);
/// A recurring job as the Recurring Jobs tab lists it.
json recurring_json(const persistence::job_record& job);
json log_json(const persistence::log_record& log);

} // namespace downhill::http
