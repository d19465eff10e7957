// Where a downhill server listens, and reading that from the URL a user
// gives (`downhill jobs run --server http://HOST:PORT`).
#pragma once

#include <cstdint>
#include <string>

namespace downhill::client {

struct endpoint {
  /// A server on this machine (what tests and benches start). Implicit, so
  /// that a port alone names one.
  endpoint(uint16_t port) : port(port) {}
  endpoint(std::string host, uint16_t port)
    : host(std::move(host)), port(port) {}

  std::string host = "127.0.0.1";
  uint16_t port = 0;
};

/// "http://HOST[:PORT][/...]": the host and port (80 if none; the path is
/// not used). Throws std::invalid_argument, saying why, for anything else.
endpoint parse_server_url(const std::string& url);

} // namespace downhill::client
