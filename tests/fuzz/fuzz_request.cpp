// Fuzzes the whole request path short of the socket: raw bytes through
// Beast's request parser (with the server's header limit, and the body
// limit of the route, as server.cpp checks it once the route is known),
// http::to_api_request, and the router with every API route, on a real
// downhill::core over a temporary data directory. Requests that the server
// would upgrade to a WebSocket go through check_stream instead, as in
// server.cpp. authorize and dispatch promise never to throw, and every
// answer must carry a real HTTP status.
//
// Inputs authenticate with the admin token below (admin may use every
// route), so the fuzzer reaches the handlers rather than stopping at 401.
// The core is built once and kept for the whole run: state (organizations,
// entries, jobs) accumulates as it would in a server.
#include "actors/core.hpp"
#include "http/request_adapter.hpp"
#include "http/router.hpp"
#include "persistence/tokens.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include <stdlib.h>

namespace bhttp = boost::beast::http;
using namespace downhill;

namespace {

constexpr size_t header_limit = 16 * 1024;       // server.cpp
constexpr size_t entry_body_limit = 1024 * 1024;  // server_options::body_limit

struct world {
  std::filesystem::path dir;
  std::unique_ptr<downhill::core> core;
  std::unique_ptr<http::router> routes;
};

world* the_world = nullptr;

void tear_down() {
  // libFuzzer ends the process with exit(). Destroying CAF's actor_system
  // from an atexit handler crashes inside libcaf_core (SEGV in
  // caf::ref_counted::deref from ~actor_system; a minimal CAF program with
  // a static actor_system does the same), so the core is stopped (runs end
  // at a safe point) but left allocated and reachable, and only its files
  // are removed.
  the_world->core->shutdown(std::chrono::seconds(10));
  std::error_code ignored;
  std::filesystem::remove_all(the_world->dir, ignored);
}

world& get_world() {
  if (the_world != nullptr)
    return *the_world;
  auto w = std::make_unique<world>();
  std::string pattern =
    (std::filesystem::temp_directory_path() / "downhill-fuzz-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr)
    throw std::runtime_error("mkdtemp failed");
  w->dir = pattern;
  core::options opts;
  opts.data_dir = w->dir / "var";
  opts.reader_connections = 2;
  w->core = std::make_unique<downhill::core>(opts);
  w->routes = std::make_unique<http::router>(
    *w->core, persistence::hash_token("fuzz-admin-token"));
  http::add_api_routes(*w->routes, entry_body_limit);
  // One organization for the seeds' org routes to find.
  if (w->core->create_org("acme").error)
    throw std::runtime_error("could not create the fuzz organization");
  the_world = w.release();
  std::atexit(tear_down);
  return *the_world;
}

void check(const http::api_response& response) {
  if (response.status < 100 || response.status > 599)
    std::abort();
}

bool is_event_stream(const http::route& r) {  // server.cpp
  auto& p = r.pattern;
  return p.size() >= 7 && p.compare(p.size() - 7, 7, "/events") == 0;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto& w = get_world();
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(header_limit);
  // The largest limit of any route; the route's own is checked below.
  parser.body_limit(entry_body_limit);
  parser.eager(true);
  boost::beast::error_code ec;
  size_t used = 0;
  while (!ec && !parser.is_done() && used < size) {
    auto n = parser.put(boost::asio::buffer(data + used, size - used), ec);
    if (ec == bhttp::error::need_more) {
      ec = {};
      break;
    }
    used += n;
    if (n == 0)
      break;
  }
  if (!ec && !parser.is_done()) {
    // The connection ends here. Beast's read loop ends with end_of_stream,
    // not put_eof, when no byte arrived (put_eof's precondition).
    if (!parser.got_some())
      return 0;
    parser.put_eof(ec);
  }
  if (ec || !parser.is_done())
    return 0;  // the server answers 4xx and closes the connection
  auto request = parser.release();
  auto api = http::to_api_request(request);

  auto decided = w.routes->authorize(api);
  if (decided.error) {
    check(http::error_response(decided.error));
    return 0;
  }
  auto* route = decided.found;
  if (route == nullptr)
    std::abort();  // neither a route nor a refusal
  if (api.body.size() > route->body_limit)
    return 0;  // 413, before the handler
  if (boost::beast::websocket::is_upgrade(request) && is_event_stream(*route)) {
    try {
      if (auto checked = w.routes->check_stream(api); checked.error)
        check(http::error_response(checked.error));
    } catch (const std::exception&) {
      // server.cpp turns this into a 500 rather than a crash; still a bug.
      std::abort();
    }
    return 0;
  }
  check(w.routes->dispatch(*route, api));
  return 0;
}
