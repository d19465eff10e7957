#include "http/router.hpp"

#include "http/json_limits.hpp"
#include "http/request_parsing.hpp"
#include "actors/server_log.hpp"
#include "persistence/control_plane.hpp"
#include "persistence/sqlite.hpp"
#include "persistence/tokens.hpp"

#include <nlohmann/json.hpp>


namespace downhill::http {

namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 1;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string::npos)
      end = path.size();
    parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

bool match(const std::string& pattern, const std::string& path,
           std::map<std::string, std::string>& params) {
  auto want = split_path(pattern);
  auto have = split_path(path);
  if (want.size() != have.size())
    return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < want.size(); ++i) {
    auto& w = want[i];
    if (w.size() > 2 && w.front() == '{' && w.back() == '}') {
      if (have[i].empty())
        return false;
      found[w.substr(1, w.size() - 2)] = have[i];
    } else if (w != have[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

} // namespace

api_response error_response(const api_error& error) {
  nlohmann::json body{{"code", to_string(error.code)},
                      {"message", error.message}};
  if (error.code == error_code::internal) {
    // The details of a server fault (SQL, paths) stay in the log; the
    // client gets words it can act on and an id to quote.
    auto id = new_error_id();
    log_event(log_level::error, "internal error",
              {{"error_id", id}, {"detail", error.message}});
    body["message"] = "The server failed to answer this request; quote "
                      "error id " + id + " to its operator.";
    body["error_id"] = id;
  }
  if (!error.field.empty())
    body["field"] = error.field;
  if (error.run_id != 0)
    body["run_id"] = std::to_string(error.run_id);
  api_response out{http_status(error.code),
                   safe_dump(nlohmann::json{{"error", body}})};
  if (error.code == error_code::internal)
    out.error_id = body["error_id"].get<std::string>();
  return out;
}

api_response json_response(int status, const std::string& json_text) {
  return {status, json_text};
}

router::router(core& c, std::string admin_token_hash)
  : core_(c), admin_token_hash_(std::move(admin_token_hash)) {
}

void router::add(route r) {
  routes_.push_back(std::move(r));
}

api_response router::dispatch(api_request& request) const {
  auto decided = authorize(request);
  if (decided.error)
    return error_response(decided.error);
  return dispatch(*decided.found, request);
}

api_response router::dispatch(const route& found, api_request& request) const {
  // Every exception ends here as an answer: bad input is a 4xx, anything
  // else a 500 whose details are logged under its error id.
  try {
    return found.handle(core_, request);
  } catch (const nlohmann::json::exception& e) {
    return error_response(make_error(error_code::invalid_json,
                                     "The body is not JSON this route "
                                     "accepts."));
  } catch (const std::exception& e) {
    return error_response(make_error(
      error_code::internal, request.method + " " + request.path + ": "
                              + e.what()));
  } catch (...) {
    return error_response(make_error(error_code::internal,
                                     request.method + " " + request.path
                                       + ": unknown exception"));
  }
}

stream_check router::check_stream(const api_request& request) const {
  stream_check out;
  auto& what = out.stream;
  what.org_id = request.param("org");
  if (!request.params.count("run"))
    return out;
  try {
    what.run_id = id_param(request, "run");
    what.after = query_int(request, "after", 0, 0, INT64_MAX);
  } catch (const bad_request& e) {
    out.error = e.error;
    return out;
  }
  bool exists = false;
  core_.read([&](persistence::control_plane& db) {
    exists = db.get_run(what.org_id, what.run_id).has_value();
  });
  if (!exists)
    out.error = make_error(error_code::not_found,
                           "No run " + std::to_string(what.run_id) + ".");
  return out;
}

authorization router::authorize(api_request& request) const {
  const route* found = nullptr;
  auto refuse = [&found](api_error error) {
    return authorization{std::move(error), nullptr, found};
  };
  try {
    bool path_known = false;
    for (auto& r : routes_) {
      std::map<std::string, std::string> params;
      if (!match(r.pattern, request.path, params))
        continue;
      path_known = true;
      if (r.method == request.method) {
        found = &r;
        request.params = std::move(params);
        break;
      }
    }
    if (found == nullptr)
      return refuse(path_known
                      ? make_error(error_code::method_not_allowed,
                                   "This path does not accept "
                                     + request.method + ".")
                      : make_error(error_code::not_found,
                                   "No such route: " + request.path));
    if (found->needs == access::anyone)
      return {{}, found, found};
    auto& token = request.bearer_token;
    if (!token.empty()
        && persistence::token_matches_hash(token, admin_token_hash_)) {
      request.caller = identity{true, "", "admin"};
    } else if (auto user = token.empty() ? std::nullopt
                                         : core_.find_user(token)) {
      request.caller = *user;
    } else {
      return refuse(make_error(
        error_code::unauthorized,
        "Send a valid token in the header 'Authorization: Bearer TOKEN'."));
    }
    if (found->needs == access::admin && !request.caller.admin)
      return refuse(
        make_error(error_code::forbidden, "Only the admin token may do this."));
    if (found->needs == access::organization) {
      auto org = request.params.find("org");
      // Another organization's objects do not exist for this caller; for
      // the admin, an organization that does not exist is not found either.
      bool visible = org != request.params.end()
                     && (request.caller.admin
                           ? core_.org_exists(org->second)
                           : org->second == request.caller.org_id);
      if (!visible)
        return refuse(
          make_error(error_code::not_found, "No such organization."));
    }
    return {{}, found, found};
  } catch (const std::exception& e) {
    return refuse(
      make_error(error_code::internal, std::string{"routing: "} + e.what()));
  }
}

} // namespace downhill::http
