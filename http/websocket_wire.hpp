// RFC 6455 framing for an event stream once Beast has accepted the upgrade:
// the header of a frame the server sends (unmasked, so one payload serves
// every client and is never copied per client), and a reader of the frames
// a client sends (masked; clients have nothing to say but close, ping and
// pong). Plain bytes, no Beast: the session writes many frames in one
// gather write, which Beast's stream (one message per write) cannot.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace downhill::http::wire {

enum opcode : uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

/// Close codes (RFC 6455 7.4.1) the server sends.
enum close_code : uint16_t {
  normal = 1000,
  protocol_error = 1002,
  policy_error = 1008,
  too_big = 1009,
  try_again_later = 1013,
};

/// The header of one final, unmasked frame with `size` payload bytes.
struct frame_header {
  std::array<uint8_t, 10> bytes{};
  size_t size = 0;
};
frame_header header_of(opcode op, size_t size);

/// A close frame's payload: the code, then the reason (cut to fit the 125
/// bytes of a control frame).
std::string close_payload(uint16_t code, std::string_view reason);

/// One frame a client sent, unmasked.
struct client_frame {
  opcode op = continuation;
  bool fin = true;
  std::string payload;  // control frames only; data is counted, not kept
};

/// Reads client frames from the bytes as they arrive.
class client_reader {
public:
  explicit client_reader(size_t message_limit) : limit_(message_limit) {}

  enum class result {
    frame,       // `out` holds a frame
    need_more,   // everything given so far is consumed
    too_big,     // a message beyond the limit: close with 1009
    bad_frame,   // not a client frame of RFC 6455: close with 1002
  };

  /// Appends received bytes.
  void feed(const char* data, size_t size) { buffer_.append(data, size); }
  /// The next complete frame, if the bytes hold one.
  result next(client_frame& out);

private:
  size_t limit_;
  std::string buffer_;
  size_t message_size_ = 0;  // of the data message being received
};

} // namespace downhill::http::wire
