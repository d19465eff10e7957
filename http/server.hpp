// The HTTP server: Beast on its own io_context threads, handlers on a
// separate blocking pool. Network threads only read, parse and write; every
// handler (which may wait on SQLite or an actor) runs on the pool.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace downhill {
class core;
} // namespace downhill

namespace downhill::http {

struct server_options {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;      // 0: any free port
  /// persistence::hash_token() of the admin token: the router compares
  /// the presented token's hash with it.
  std::string admin_token_hash;
  unsigned io_threads = 2;
  unsigned worker_threads = 16;
  /// The largest body any route takes (entries); most take far less.
  size_t body_limit = 1024 * 1024;
  /// Open connections in all (0: from the file descriptor limit, leaving
  /// room for the data files) and from one client address.
  size_t max_connections = 0;
  size_t max_connections_per_address = 512;
  /// Handlers one organization may run at once, and requests it may have
  /// waiting beyond those (more answer 429).
  size_t per_organization_running = 4;
  size_t per_organization_waiting = 64;
};

class server {
public:
  server(core& c, server_options options);
  ~server();

  /// Binds and starts serving; returns the port actually bound.
  uint16_t start();
  /// Blocks until SIGINT or SIGTERM (caught from start() on).
  void wait_for_signal();
  /// Stops accepting, finishes the requests in flight, joins the threads.
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace downhill::http
