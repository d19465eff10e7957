// A blocking WebSocket client for tests (Beast).
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace downhill::testing {

class ws_client {
public:
  /// Connects and upgrades; throws if the server refuses.
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
