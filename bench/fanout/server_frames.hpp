// The frames a downhill event stream sends, cut out of the bytes a client
// received (RFC 6455 5.2): final, unmasked frames, text for events, close
// and ping for control. No Beast: a client reads many frames per system
// call and looks at each payload in place (bench/fanout/client_fleet).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace downhill::bench {

struct server_frame {
  enum class cut { frame, need_more, bad } result = cut::need_more;
  uint8_t opcode = 0;
  bool fin = true;
  std::string_view payload;  // points into the bytes given
  size_t size = 0;           // header and payload
};

/// The frame at the start of `bytes`: `frame` (payload and size set),
/// `need_more` (only part of it is there), or `bad` (masked, reserved
/// bits, or a payload this bench would never expect, over 16 MiB).
server_frame cut_frame(std::string_view bytes);

/// A client's frame (masked, as RFC 6455 requires of clients) with
/// `payload`, for a pong or a close.
std::string client_frame(uint8_t opcode, std::string_view payload);

constexpr uint8_t text_opcode = 0x1;
constexpr uint8_t close_opcode = 0x8;
constexpr uint8_t ping_opcode = 0x9;
constexpr uint8_t pong_opcode = 0xA;

} // namespace downhill::bench
