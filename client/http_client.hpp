// A small blocking client of the API: one connection per request, JSON
// bodies, the bearer token in the header.
#pragma once

#include "client/endpoint.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace downhill::client {

using json = nlohmann::json;

struct response {
  int status = 0;
  std::string body;
  json data() const;  // the body as JSON (null if empty; throws if not JSON)
  std::string error_code() const;  // data()["error"]["code"], or ""
};

class http_client {
public:
  http_client(endpoint server, std::string token = {})
    : server_(std::move(server)), token_(std::move(token)) {}

  response get(const std::string& target) const;
  response post(const std::string& target, const json& body) const;
  response put(const std::string& target, const json& body) const;
  response del(const std::string& target) const;
  /// Any method with a raw body (also for malformed-input tests). Throws
  /// when no answer comes (refused, reset, closed).
  response send(const std::string& method, const std::string& target,
                const std::string& body) const;

  http_client with_token(std::string token) const {
    return http_client{server_, std::move(token)};
  }
  http_client with_port(uint16_t port) const {
    return http_client{endpoint{server_.host, port}, token_};
  }

private:
  endpoint server_;
  std::string token_;
};

} // namespace downhill::client
