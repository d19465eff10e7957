#include "client/ws_client.hpp"

#include "client/connect.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

namespace downhill::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

ws_refused::ws_refused(int status, nlohmann::json body)
  : std::runtime_error("WebSocket upgrade refused with HTTP "
                       + std::to_string(status) + ": " + body.dump()),
    status(status), body(std::move(body)) {}

std::string ws_refused::error_code() const {
  if (body.is_object() && body.contains("error") && body["error"].is_object()
      && body["error"].contains("code") && body["error"]["code"].is_string())
    return body["error"]["code"];
  return "";
}

struct ws_client::impl {
  asio::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer buffer;
  bool closed = false;
};

ws_client::ws_client(endpoint server, const std::string& target,
                     const std::string& token, int receive_buffer)
  : impl_(std::make_unique<impl>()) {
  connect(beast::get_lowest_layer(impl_->ws), server, receive_buffer);
  impl_->ws.set_option(websocket::stream_base::decorator(
    [token](websocket::request_type& req) {
      if (!token.empty())
        req.set(beast::http::field::authorization, "Bearer " + token);
    }));
  websocket::response_type response;
  beast::error_code ec;
  impl_->ws.handshake(response, server.host, target, ec);
  if (ec == websocket::error::upgrade_declined) {
    auto body = nlohmann::json::parse(response.body(), nullptr, false);
    throw ws_refused{static_cast<int>(response.result_int()),
                     body.is_discarded() ? nlohmann::json{} : body};
  }
  if (ec)
    throw beast::system_error{ec};
  beast::get_lowest_layer(impl_->ws).expires_never();
}

ws_client::~ws_client() {
  beast::error_code ignored;
  beast::get_lowest_layer(impl_->ws).socket().close(ignored);
}

std::optional<nlohmann::json>
ws_client::next(std::chrono::milliseconds deadline) {
  beast::get_lowest_layer(impl_->ws).expires_after(deadline);
  return read_frame();
}

std::optional<nlohmann::json> ws_client::next() {
  beast::get_lowest_layer(impl_->ws).expires_never();
  return read_frame();
}

/// Asynchronous underneath: Beast applies a stream's deadline only to
/// asynchronous operations.
std::optional<nlohmann::json> ws_client::read_frame() {
  auto& s = *impl_;
  if (s.closed)
    return std::nullopt;
  s.buffer.clear();
  beast::error_code ec;
  s.ws.async_read(s.buffer,
                  [&ec](beast::error_code e, std::size_t) { ec = e; });
  s.ioc.restart();
  s.ioc.run();
  if (ec) {
    if (ec == websocket::error::closed || ec == asio::error::eof
        || ec == asio::error::connection_reset)
      s.closed = true;
    return std::nullopt;
  }
  return nlohmann::json::parse(beast::buffers_to_string(s.buffer.data()));
}

bool ws_client::closed() const {
  return impl_->closed;
}

int ws_client::close_code() const {
  return static_cast<int>(impl_->ws.reason().code);
}

std::string ws_client::close_reason() const {
  return std::string{impl_->ws.reason().reason.c_str()};
}

void ws_client::close() {
  beast::error_code ignored;
  impl_->ws.close(websocket::close_code::normal, ignored);
}

} // namespace downhill::client
