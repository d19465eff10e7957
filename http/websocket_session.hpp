// A WebSocket event stream (docs/api.md "WebSocket events"): one run's frames
// (stored logs after `after`, then live) or every live frame of an
// organization. Included by server.cpp only (it carries Beast).
#pragma once

#include "actors/core.hpp"
#include "http/api_types.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>

#include <memory>

namespace downhill::http {

class fair_share;

/// Takes over an upgraded connection and runs the stream until it closes.
/// The ticket counts the connection against the server's limits until the
/// session ends.
void start_websocket_session(
  boost::asio::ip::tcp::socket&& socket, core& c,
  fair_share& shares, event_stream_request what,
  boost::beast::http::request<boost::beast::http::string_body> upgrade,
  std::shared_ptr<void> connection_ticket);

} // namespace downhill::http
