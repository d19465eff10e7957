#include "http/handlers.hpp"

#include "actors/job_rules.hpp"
#include "http/json_views.hpp"
#include "http/request_parsing.hpp"

namespace downhill::http {

namespace {

std::string valid_name(const json& body) {
  auto name = required_string(body, "name", 63);
  if (!is_valid_name(name))
    throw bad_request{make_error(error_code::invalid_field,
                                 "name must be 1-63 characters of lowercase "
                                 "letters, digits and dashes.",
                                 "name")};
  return name;
}

} // namespace

api_response create_org(core& c, const api_request& r) {
  auto name = valid_name(parse_object(r.body));
  auto created = c.create_org(name);
  if (created.error)
    return error_response(created.error);
  json body{{"id", name},
            {"name", name},
            {"environments", json::array({environment_json(created.value)})}};
  return json_response(201, body.dump());
}

api_response create_user(core& c, const api_request& r) {
  auto name = valid_name(parse_object(r.body));
  auto created = c.create_user(r.param("org"), name);
  if (created.error)
    return error_response(created.error);
  return json_response(201, json{{"name", name}, {"token", created.value}}
                              .dump());
}

} // namespace downhill::http
