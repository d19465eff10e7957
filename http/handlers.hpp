// The API's handlers, grouped by concept in handlers_*.cpp and wired to
// their routes in routes.cpp.
#pragma once

#include "http/api_types.hpp"

namespace downhill::http {

// handlers_admin.cpp
api_response create_org(core& c, const api_request& r);
api_response create_user(core& c, const api_request& r);

// handlers_environments.cpp
api_response list_environments(core& c, const api_request& r);
api_response delete_environment(core& c, const api_request& r);

// handlers_content.cpp
api_response put_entry(core& c, const api_request& r);
api_response import_entries(core& c, const api_request& r);
api_response get_entry(core& c, const api_request& r);
api_response list_entries(core& c, const api_request& r);
api_response delete_entry(core& c, const api_request& r);
api_response list_versions(core& c, const api_request& r);
api_response search_entries(core& c, const api_request& r);
api_response get_settings(core& c, const api_request& r);
api_response put_settings(core& c, const api_request& r);
api_response list_items(core& c, const api_request& r);
api_response add_item(core& c, const api_request& r);

// handlers_jobs.cpp
api_response submit_job(core& c, const api_request& r);
api_response list_jobs(core& c, const api_request& r);
api_response get_job(core& c, const api_request& r);
api_response list_runs(core& c, const api_request& r);
api_response get_run(core& c, const api_request& r);
api_response list_logs(core& c, const api_request& r);
api_response cancel_run(core& c, const api_request& r);
api_response list_recurring_jobs(core& c, const api_request& r);
api_response pause_recurring_job(core& c, const api_request& r);
api_response resume_recurring_job(core& c, const api_request& r);
api_response delete_recurring_job(core& c, const api_request& r);

} // namespace downhill::http
