// Routing: a table from (method, path pattern) to a handler, with the
// authentication each route needs. Handlers translate HTTP to calls on the
// core and back; they hold no business rules.
#pragma once

#include "http/api_types.hpp"

#include <functional>
#include <string>
#include <vector>

namespace downhill::http {

enum class access {
  anyone,        // no token (health check, dashboard files)
  admin,         // the admin token only
  organization,  // a user of the {org} in the path, or the admin
  user,          // any valid token
};

using handler = std::function<api_response(core&, const api_request&)>;

/// The largest body a route takes unless it says otherwise: stored
/// documents (settings, webhooks, presets...) and job submissions are small.
constexpr size_t default_body_limit = 64 * 1024;

struct route {
  std::string method;
  std::string pattern;  // "/api/v1/orgs/{org}/runs/{run}"
  access needs;
  handler handle;
  size_t body_limit = default_body_limit;
};

/// What authorize decided: the route to run, or why the request is
/// refused (`error` set, `found` null).
struct authorization {
  api_error error;
  const route* found = nullptr;
  /// The route the path and method matched, refused or not (for the log).
  const route* matched = nullptr;
};

/// Which event stream an upgrade gets, or why it is refused (`error` set).
struct stream_check {
  api_error error;
  event_stream_request stream;
};

class router {
public:
  router(core& c, std::string admin_token_hash);

  void add(route r);
  /// Matches the path and checks the token, from the request's headers
  /// alone: it never blocks (tokens and organizations are looked up in
  /// memory), so it runs on a network thread before any body is read.
  /// Fills the request's caller and params and returns the route, or the
  /// refusal. Never throws.
  authorization authorize(api_request& request) const;
  /// Runs an authorized request's handler. Never throws: any failure is an
  /// error answer (a 500 carries an error id; its details go to the log).
  api_response dispatch(const route& found, api_request& request) const;
  /// authorize, then dispatch (for tests and fuzzing).
  api_response dispatch(api_request& request) const;
  /// For an authorized events route: which stream, or the refusal (unknown
  /// run, bad `after`).
  stream_check check_stream(const api_request& request) const;
  core& owner() const { return core_; }
  /// Every route, in the order added (the OpenAPI test compares them with
  /// docs/openapi.yaml).
  const std::vector<route>& routes() const { return routes_; }

private:
  core& core_;
  std::string admin_token_hash_;  // persistence::hash_token of it
  std::vector<route> routes_;
};

/// All routes of the API, in one list (routes.cpp). Entry writes take
/// bodies up to `entry_body_limit`; every other route up to
/// default_body_limit.
void add_api_routes(router& r, size_t entry_body_limit);

} // namespace downhill::http
