// Routing: a table from (method, path pattern) to a handler, with the
// authentication each route needs. Handlers translate HTTP to calls on the
// core and back; they hold no business rules.
#pragma once

#include "http/api_types.hpp"

#include <functional>
#include <optional>
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

struct route {
  std::string method;
  std::string pattern;  // "/api/v1/orgs/{org}/runs/{run}"
  access needs;
  handler handle;
};

class router {
public:
  router(core& c, std::string admin_token);

  void add(route r);
  /// Authenticates, matches and runs the handler. Never throws.
  api_response dispatch(api_request& request) const;
  /// Matches and authenticates only (for WebSocket upgrades): an error
  /// response, or nothing with the request's caller and params filled in.
  std::optional<api_response> authorize(api_request& request) const;
  /// For an authorized events route: which stream, or an error response
  /// (unknown run, bad `after`).
  std::optional<api_response> check_stream(const api_request& request,
                                           event_stream_request& what) const;
  core& owner() const { return core_; }

private:
  std::optional<api_response> authorize(api_request& request,
                                        const route*& found) const;

  core& core_;
  std::string admin_token_;
  std::vector<route> routes_;
};

/// All routes of the API, in one list (routes.cpp).
void add_api_routes(router& r);

} // namespace downhill::http
