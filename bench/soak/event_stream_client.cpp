#include "event_stream_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <memory>

namespace downhill::soak {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

bool event_stream_client::open(uint16_t port, const std::string& target,
                               const std::string& token, bool token_in_query,
                               int receive_buffer,
                               std::chrono::milliseconds deadline,
                               std::string& error) {
  auto& tcp = beast::get_lowest_layer(ws_);
  beast::error_code ec;
  tcp.socket().open(asio::ip::tcp::v4(), ec);
  if (ec) {
    error = ec.message();
    return false;
  }
  if (receive_buffer > 0)
    tcp.socket().set_option(asio::socket_base::receive_buffer_size(receive_buffer), ec);
  std::string path = target;
  if (token_in_query)
    path += (path.find('?') == std::string::npos ? "?token=" : "&token=") + token;
  else
    ws_.set_option(websocket::stream_base::decorator(
      [token](websocket::request_type& req) {
        req.set(beast::http::field::authorization, "Bearer " + token);
      }));
  websocket::response_type refusal;
  bool done = false;
  tcp.expires_after(deadline);
  tcp.async_connect(
    asio::ip::tcp::endpoint{asio::ip::make_address("127.0.0.1"), port},
    [&](beast::error_code connect_ec) {
      if (connect_ec) {
        error = "connect: " + connect_ec.message();
        return;
      }
      ws_.async_handshake(refusal, "127.0.0.1", path,
                          [&](beast::error_code handshake_ec) {
                            if (handshake_ec)
                              // A refusal: "STATUS BODY", so the caller
                              // can show the server's error message.
                              // (The response's status defaults to 200 when
                              // none was read: only a declined upgrade has one.)
                              error = handshake_ec == websocket::error::upgrade_declined
                                        ? std::to_string(refusal.result_int())
                                            + " " + refusal.body()
                                        : "handshake: " + handshake_ec.message();
                            else
                              done = true;
                          });
    });
  ioc_.run();
  ioc_.restart();
  // The websocket layer keeps its own pings and close timeouts; the TCP
  // deadline was only for the opening.
  tcp.expires_never();
  return done;
}

void event_stream_client::read_then_stop(
  std::chrono::milliseconds duration,
  const std::function<void(const std::string&)>& on_frame) {
  asio::steady_timer timer{ioc_, duration};
  bool stopped = false;
  timer.async_wait([&](beast::error_code) {
    stopped = true;
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().cancel(ignored);
  });
  std::function<void()> read_next = [&] {
    ws_.async_read(buffer_, [&](beast::error_code ec, std::size_t) {
      if (ec) {
        if (!stopped) {
          closed_by_server_ = true;
          close_code_ = static_cast<int>(ws_.reason().code);
          timer.cancel();
        }
        return;
      }
      on_frame(beast::buffers_to_string(buffer_.data()));
      buffer_.consume(buffer_.size());
      if (!stopped)
        read_next();
    });
  };
  read_next();
  ioc_.run();
  ioc_.restart();
}

void event_stream_client::vanish() {
  beast::error_code ignored;
  auto& socket = beast::get_lowest_layer(ws_).socket();
  if (socket.is_open())
    socket.close(ignored);
}

} // namespace downhill::soak
