#include "cli/session.hpp"

#include "cli/exit_codes.hpp"

namespace downhill::cli {

namespace {

client::endpoint parse_server(const std::string& url) {
  try {
    return client::parse_server_url(url);
  } catch (const std::invalid_argument& e) {
    throw command_failure{exit_code::usage,
                          std::string{"--server: "} + e.what()};
  }
}

} // namespace

session::session(const connection_options& options)
  : options_(options), server_(parse_server(options.server)),
    api_(server_, options.token) {
  if (options_.token.empty())
    throw command_failure{exit_code::usage,
                          "no token: give --token or set $DOWNHILL_TOKEN "
                          "($DOWNHILL_ADMIN_TOKEN for orgs and users)"};
}

const std::string& session::org() {
  if (!org_) {
    if (!options_.org.empty()) {
      org_ = options_.org;
    } else {
      auto me = get("/api/v1/me");
      if (!me.is_object() || !me["org"].is_string())
        throw command_failure{
          exit_code::usage,
          "this token belongs to no organization (the admin token?): say "
          "which one with --org or $DOWNHILL_ORG"};
      org_ = me["org"].get<std::string>();
    }
  }
  return *org_;
}

std::string session::org_path() {
  return "/api/v1/orgs/" + url_part(org());
}

json session::get(const std::string& target) {
  return checked(api_.get(target));
}

json session::post(const std::string& target, const json& body) {
  return checked(api_.post(target, body));
}

json session::del(const std::string& target) {
  return checked(api_.del(target));
}

json session::checked(const client::response& answer) {
  auto body = json::parse(answer.body.empty() ? "null" : answer.body,
                          nullptr, false);
  if (answer.status >= 200 && answer.status < 300) {
    if (body.is_discarded())
      throw command_failure{exit_code::server_error,
                            "the server at " + options_.server
                              + " answered something that is not downhill's "
                                "API (HTTP "
                              + std::to_string(answer.status) + ")"};
    return body;
  }
  throw failure_of(answer.status, body.is_discarded() ? json{} : body);
}

command_failure failure_of(int status, const json& body) {
  std::string said;
  if (body.is_object() && body.contains("error") && body["error"].is_object())
    said = body["error"].value("code", "") + ": "
           + body["error"].value("message", "");
  else
    said = "the answer is not downhill's API";
  auto message = "the server answered " + std::to_string(status) + " " + said;
  if (status == 401)
    message += " (check --token or $DOWNHILL_TOKEN)";
  return command_failure{status >= 400 && status < 500 ? exit_code::refused
                                                       : exit_code::server_error,
                         message};
}

std::string url_part(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

} // namespace downhill::cli
