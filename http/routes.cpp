#include "http/dashboard_assets.hpp"
#include "http/handlers.hpp"
#include "http/openapi_document.hpp"
#include "http/request_parsing.hpp"
#include "http/router.hpp"
#include "http/version.hpp"
#include "metrics/server_metrics.hpp"

#include <nlohmann/json.hpp>

namespace downhill::http {

void add_api_routes(router& r, size_t entry_body_limit) {
  const std::string org = "/api/v1/orgs/{org}";
  const std::string env = org + "/environments/{env}";
  auto add = [&](const char* method, std::string pattern, access needs,
                 auto handle, size_t body_limit = default_body_limit) {
    r.add({method, std::move(pattern), needs, checked(handle), body_limit});
  };
  add("GET", "/healthz", access::anyone, [](core&, const api_request&) {
    return json_response(
      200, nlohmann::json{{"status", "ok"}, {"version", version()}}.dump());
  });
  // The API reference (docs/openapi.yaml as JSON), constant like the
  // dashboard's files.
  add("GET", "/api/v1/openapi.json", access::anyone,
      [](core&, const api_request&) {
        return json_response(200, openapi_document());
      });
  // Prometheus' text format; open like /healthz (docs/operations.md: no
  // tenant's names or ids in it; keep the port off the internet).
  add("GET", "/metrics", access::anyone, [](core&, const api_request&) {
    return api_response{200, metrics::server().all.render(),
                        "text/plain; version=0.0.4; charset=utf-8"};
  });
  for (auto& asset : dashboard_assets()) {
    auto serve = [&asset](core&, const api_request&) {
      return api_response{200, asset.content, asset.content_type};
    };
    add("GET", asset.path == "/index.html" ? "/" : asset.path, access::anyone,
        serve);
  }
  add("GET", "/api/v1/me", access::user, [](core&, const api_request& r) {
    nlohmann::json me{{"user", r.caller.user},
                      {"org", r.caller.admin ? nlohmann::json(nullptr)
                                             : nlohmann::json(r.caller.org_id)},
                      {"admin", r.caller.admin}};
    return json_response(200, me.dump());
  });
  add("POST", "/api/v1/orgs", access::admin, create_org);
  add("POST", org + "/users", access::admin, create_user);

  add("GET", org + "/environments", access::organization, list_environments);
  add("DELETE", env, access::organization, delete_environment);

  add("GET", env + "/entries", access::organization, list_entries);
  add("PUT", env + "/entries/{id}", access::organization, put_entry,
      entry_body_limit);
  add("GET", env + "/entries/{id}", access::organization, get_entry);
  // Half of an organization's body budget (server_options): an import
  // leaves room for its other writes.
  constexpr size_t import_body_limit = 16 * 1024 * 1024;
  add("POST", env + "/entries/import", access::organization, import_entries,
      import_body_limit);
  add("DELETE", env + "/entries/{id}", access::organization, delete_entry);
  add("GET", env + "/entries/{id}/versions", access::organization,
      list_versions);
  add("GET", env + "/search", access::organization, search_entries);
  add("GET", env + "/settings", access::organization, get_settings);
  add("PUT", env + "/settings", access::organization, put_settings);
  for (auto kind : {"webhooks", "integrations", "presets", "teams"}) {
    // {kind} is matched literally per route, so unknown kinds stay 404.
    auto pattern = env + "/" + kind;
    r.add({"GET", pattern, access::organization,
           checked([kind](core& c, const api_request& req) {
             auto copy = req;
             copy.params["kind"] = kind;
             return list_items(c, copy);
           })});
    r.add({"POST", pattern, access::organization,
           checked([kind](core& c, const api_request& req) {
             auto copy = req;
             copy.params["kind"] = kind;
             return add_item(c, copy);
           })});
  }

  add("POST", org + "/jobs", access::organization, submit_job);
  add("GET", org + "/jobs", access::organization, list_jobs);
  add("GET", org + "/jobs/{job}", access::organization, get_job);
  add("GET", org + "/runs", access::organization, list_runs);
  add("GET", org + "/runs/{run}", access::organization, get_run);
  add("GET", org + "/runs/{run}/logs", access::organization, list_logs);
  add("POST", org + "/runs/{run}/cancel", access::organization, cancel_run);

  // Event streams answer WebSocket upgrades (server.cpp); a plain GET is
  // told so.
  auto websocket_only = [](core&, const api_request&) {
    return error_response(make_error(error_code::upgrade_required,
                                     "This is a WebSocket endpoint: connect "
                                     "with a WebSocket client."));
  };
  add("GET", org + "/events", access::organization, websocket_only);
  add("GET", org + "/runs/{run}/events", access::organization,
      websocket_only);

  add("GET", org + "/recurring-jobs", access::organization,
      list_recurring_jobs);
  add("POST", org + "/recurring-jobs/{job}/pause", access::organization,
      pause_recurring_job);
  add("POST", org + "/recurring-jobs/{job}/resume", access::organization,
      resume_recurring_job);
  add("DELETE", org + "/recurring-jobs/{job}", access::organization,
      delete_recurring_job);
}

} // namespace downhill::http
