// How downhill's records look in the API (API.md), in one place.
#pragma once

#include "actors/messages.hpp"
#include "persistence/content_store.hpp"
#include "persistence/record_json.hpp"
#include "persistence/records.hpp"

#include <nlohmann/json.hpp>

namespace downhill::http {

using json = nlohmann::json;

using persistence::format_time;
using persistence::log_json;
using persistence::run_json;
using persistence::time_json;

json environment_json(const environment_view& env);
json environment_json(const persistence::environment_record& env);
json entry_json(const persistence::entry_record& entry);
json item_json(const persistence::named_item& item);
json job_json(const persistence::job_record& job);
/// A recurring job as the Recurring Jobs tab lists it.
json recurring_json(const persistence::job_record& job);

} // namespace downhill::http
