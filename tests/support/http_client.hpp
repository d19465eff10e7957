// A small blocking HTTP client for tests (Beast), one connection per call.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace downhill::testing {

using json = nlohmann::json;

struct response {
  int status = 0;
  std::string body;
  json data() const;  // the body as JSON (null if empty)
  std::string error_code() const;  // data()["error"]["code"]
};

class http_client {
public:
  http_client(uint16_t port, std::string token = {})
    : port_(port), token_(std::move(token)) {}

  response get(const std::string& target) const;
  response post(const std::string& target, const json& body) const;
  response put(const std::string& target, const json& body) const;
  response del(const std::string& target) const;
  /// Any method with a raw body (for malformed-input tests).
  response send(const std::string& method, const std::string& target,
                const std::string& body) const;

  http_client with_token(std::string token) const {
    return http_client{port_, std::move(token)};
  }
  http_client with_port(uint16_t port) const {
    return http_client{port, token_};
  }

private:
  uint16_t port_;
  std::string token_;
};

} // namespace downhill::testing
