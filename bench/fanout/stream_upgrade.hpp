// Opens one event stream the plain way: a blocking TCP connection and a
// minimal WebSocket upgrade (RFC 6455 4.1), then hands over the socket.
// The fleet's clients are read by a couple of epoll threads; only their
// opening blocks, on threads of its own.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace downhill::bench {

struct opened_stream {
  int fd = -1;           // connected, upgraded, blocking
  std::string leftover;  // bytes after the 101 answer: the first frames
  std::string error;     // empty if it opened
};

/// Connects to host:port (the first address it resolves to), sends the upgrade of
/// `target` with `Authorization: Bearer token` and reads the answer; any
/// status but 101 is an error (saying the status line). Each step is
/// bounded by `timeout`.
opened_stream open_stream(const std::string& host, uint16_t port,
                          const std::string& target, const std::string& token,
                          std::chrono::milliseconds timeout);

} // namespace downhill::bench
