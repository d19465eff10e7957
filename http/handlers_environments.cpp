#include "http/handlers.hpp"

#include "http/json_views.hpp"
#include "http/request_parsing.hpp"

namespace downhill::http {

api_response list_environments(core& c, const api_request& r) {
  auto envs = c.list_environments(r.param("org"));
  if (envs.error)
    return error_response(envs.error);
  json list = json::array();
  for (auto& env : envs.value)
    list.push_back(environment_json(env));
  return json_response(200, json{{"environments", list}}.dump());
}

api_response delete_environment(core& c, const api_request& r) {
  if (auto error = c.delete_environment(r.param("org"), r.param("env")))
    return error_response(error);
  return {204, ""};
}

} // namespace downhill::http
