// A WebSocket client of the event streams that can vanish: it reads for a
// while (or does not read at all, like a stalled browser tab), then drops
// the TCP connection without a close frame. Asynchronous Beast underneath,
// so every step has a deadline (a synchronous Beast read has none, and an
// idle stream would block it forever).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <chrono>
#include <functional>
#include <string>

namespace downhill::soak {

class event_stream_client {
public:
  event_stream_client() = default;
  ~event_stream_client() { vanish(); }

  /// Connects and upgrades within `deadline`. `token` goes in the header,
  /// or in `?token=` when `token_in_query` (as browsers do). A small
  /// `receive_buffer` makes a client that falls behind quickly. On failure
  /// returns false and says why in `error` (e.g. "404" for a refusal).
  bool open(uint16_t port, const std::string& target, const std::string& token,
            bool token_in_query, int receive_buffer,
            std::chrono::milliseconds deadline, std::string& error);

  /// Reads frames for `duration`, handing each text to `on_frame`. Ends
  /// early if the server closes. The stream is not usable afterwards: the
  /// next step is vanish().
  void read_then_stop(std::chrono::milliseconds duration,
                      const std::function<void(const std::string&)>& on_frame);
  bool closed_by_server() const { return closed_by_server_; }
  /// The close code the server sent (1008: client too slow), or 0.
  int close_code() const { return close_code_; }

  /// Drops the connection: no close frame, the server finds out by itself.
  void vanish();

private:
  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_{ioc_};
  boost::beast::flat_buffer buffer_;
  bool closed_by_server_ = false;
  int close_code_ = 0;
};

} // namespace downhill::soak
