#include "http/router.hpp"

#include "http/request_parsing.hpp"
#include "persistence/control_plane.hpp"
#include "persistence/sqlite.hpp"

#include <nlohmann/json.hpp>

#include <iostream>

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

/// Compares secrets in time independent of where they differ.
bool same_secret(const std::string& a, const std::string& b) {
  if (a.size() != b.size())
    return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

} // namespace

api_response error_response(const api_error& error) {
  nlohmann::json body{{"code", to_string(error.code)},
                      {"message", error.message}};
  if (!error.field.empty())
    body["field"] = error.field;
  if (error.run_id != 0)
    body["run_id"] = std::to_string(error.run_id);
  return {http_status(error.code), nlohmann::json{{"error", body}}.dump()};
}

api_response json_response(int status, const std::string& json_text) {
  return {status, json_text};
}

router::router(core& c, std::string admin_token)
  : core_(c), admin_token_(std::move(admin_token)) {
}

void router::add(route r) {
  routes_.push_back(std::move(r));
}

api_response router::dispatch(api_request& request) const {
  const route* found = nullptr;
  if (auto refused = authorize(request, found))
    return *refused;
  try {
    return found->handle(core_, request);
  } catch (const nlohmann::json::exception& e) {
    return error_response(make_error(
      error_code::invalid_json, std::string{"Malformed JSON: "} + e.what()));
  } catch (const persistence::storage_error& e) {
    std::cerr << "downhill: storage error on " << request.method << " "
              << request.path << ": " << e.what() << "\n";
    return error_response(make_error(
      error_code::internal, std::string{"Storage failure: "} + e.what()));
  } catch (const std::exception& e) {
    std::cerr << "downhill: error on " << request.method << " "
              << request.path << ": " << e.what() << "\n";
    return error_response(make_error(error_code::internal, e.what()));
  }
}

std::optional<api_response>
router::check_stream(const api_request& request,
                     event_stream_request& what) const {
  what.org_id = request.param("org");
  if (!request.params.count("run"))
    return std::nullopt;
  try {
    what.run_id = id_param(request, "run");
    what.after = query_int(request, "after", 0, 0, INT64_MAX);
  } catch (const bad_request& e) {
    return error_response(e.error);
  }
  bool exists = false;
  core_.read([&](persistence::control_plane& db) {
    exists = db.get_run(what.org_id, what.run_id).has_value();
  });
  if (!exists)
    return error_response(make_error(
      error_code::not_found, "No run " + std::to_string(what.run_id) + "."));
  return std::nullopt;
}

std::optional<api_response> router::authorize(api_request& request) const {
  const route* found = nullptr;
  return authorize(request, found);
}

std::optional<api_response> router::authorize(api_request& request,
                                              const route*& found) const {
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
  if (found == nullptr) {
    if (path_known)
      return api_response{405,
                          R"({"error":{"code":"method_not_allowed","message":)"
                          R"("This path does not accept that method."}})"};
    return error_response(
      make_error(error_code::not_found, "No such route: " + request.path));
  }
  if (found->needs != access::anyone) {
    auto& token = request.bearer_token;
    if (!token.empty() && same_secret(token, admin_token_)) {
      request.caller = identity{true, "", "admin"};
    } else if (auto user = token.empty() ? std::nullopt
                                         : core_.find_user(token)) {
      request.caller = *user;
    } else {
      return error_response(make_error(
        error_code::unauthorized,
        "Send a valid token in the header 'Authorization: Bearer TOKEN'."));
    }
    if (found->needs == access::admin && !request.caller.admin)
      return error_response(make_error(
        error_code::forbidden, "Only the admin token may do this."));
    if (found->needs == access::organization && !request.caller.admin) {
      auto org = request.params.find("org");
      // Another organization's objects do not exist for this caller.
      if (org == request.params.end()
          || org->second != request.caller.org_id)
        return error_response(
          make_error(error_code::not_found, "No such organization."));
    }
  }
  return std::nullopt;
}

} // namespace downhill::http
