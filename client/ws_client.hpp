// A blocking WebSocket client of the API's event streams: the CLI follows a
// run with it, the tests watch frames and close codes.
#pragma once

#include "client/endpoint.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace downhill::client {

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
  /// upgrade with an HTTP response, a system_error if it fails. A
  /// `receive_buffer` > 0 makes the socket's receive buffer that small (a
  /// reader that falls behind).
  ws_client(endpoint server, const std::string& target,
            const std::string& token, int receive_buffer = 0);
  ~ws_client();

  /// The next frame as JSON, or nothing if none came before the deadline
  /// (the connection is then unusable) or the server closed (closed()).
  std::optional<nlohmann::json> next(std::chrono::milliseconds deadline);
  /// The next frame, however long it takes; nothing once the server closed
  /// or the connection broke.
  std::optional<nlohmann::json> next();
  bool closed() const;
  int close_code() const;
  std::string close_reason() const;
  /// Says goodbye with a normal close frame.
  void close();

private:
  std::optional<nlohmann::json> read_frame();

  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace downhill::client
