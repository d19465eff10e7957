// A blocking WebSocket client for tests (Beast).
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace downhill::testing {

/// The server answered the upgrade with an HTTP response, not a switch to
/// WebSocket: its status and its body (the API's {"error": {...}}; null if
/// the body is not JSON).
struct ws_refused : std::runtime_error {
  ws_refused(int status, nlohmann::json body);
  int status;
  nlohmann::json body;
  /// body["error"]["code"], or "" if there is none.
  std::string error_code() const;
};

class ws_client {
public:
  /// Connects and upgrades; throws ws_refused if the server answers the
  /// upgrade with an HTTP response, a system_error if the connection fails.
  ws_client(uint16_t port, const std::string& target,
            const std::string& token, int receive_buffer = 0);
  ~ws_client();

  /// The next frame as JSON, or nothing if none came before the deadline
  /// (or the server closed: see closed()).
  std::optional<nlohmann::json> next(std::chrono::milliseconds deadline);
  bool closed() const;
  int close_code() const;
  std::string close_reason() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace downhill::testing
