#include "http/websocket_wire.hpp"

#include <algorithm>

namespace downhill::http::wire {

frame_header header_of(opcode op, size_t size) {
  frame_header h;
  h.bytes[0] = static_cast<uint8_t>(0x80 | op);  // FIN: never fragmented
  if (size < 126) {
    h.bytes[1] = static_cast<uint8_t>(size);
    h.size = 2;
  } else if (size <= 0xffff) {
    h.bytes[1] = 126;
    h.bytes[2] = static_cast<uint8_t>(size >> 8);
    h.bytes[3] = static_cast<uint8_t>(size);
    h.size = 4;
  } else {
    h.bytes[1] = 127;
    for (int i = 0; i < 8; ++i)
      h.bytes[2 + i] = static_cast<uint8_t>(uint64_t{size} >> (56 - 8 * i));
    h.size = 10;
  }
  return h;
}

std::string close_payload(uint16_t code, std::string_view reason) {
  std::string payload;
  payload += static_cast<char>(code >> 8);
  payload += static_cast<char>(code & 0xff);
  payload += reason.substr(0, 123);
  return payload;
}

client_reader::result client_reader::next(client_frame& out) {
  auto byte = [&](size_t i) { return static_cast<uint8_t>(buffer_[i]); };
  if (buffer_.size() < 2)
    return result::need_more;
  bool fin = byte(0) & 0x80;
  auto op = static_cast<opcode>(byte(0) & 0x0f);
  bool masked = byte(1) & 0x80;
  uint64_t size = byte(1) & 0x7f;
  bool control = op >= close;
  if ((byte(0) & 0x70) != 0 || !masked
      || (op > binary && op < close) || op > pong
      || (control && (!fin || size > 125)))
    return result::bad_frame;
  size_t at = 2;
  if (size == 126) {
    if (buffer_.size() < 4)
      return result::need_more;
    size = (uint64_t{byte(2)} << 8) | byte(3);
    at = 4;
  } else if (size == 127) {
    if (buffer_.size() < 10)
      return result::need_more;
    size = 0;
    for (int i = 0; i < 8; ++i)
      size = (size << 8) | byte(2 + i);
    at = 10;
  }
  // Checked before the payload is waited for: a large frame is refused
  // from its header, never buffered.
  if (!control && (size > limit_ || message_size_ + size > limit_))
    return result::too_big;
  if (buffer_.size() < at + 4 + size)
    return result::need_more;
  out.op = op;
  out.fin = fin;
  out.payload.clear();
  if (control) {
    const char* mask = buffer_.data() + at;
    out.payload.assign(buffer_, at + 4, size);
    for (size_t i = 0; i < out.payload.size(); ++i)
      out.payload[i] = static_cast<char>(out.payload[i] ^ mask[i % 4]);
  } else {
    message_size_ = fin ? 0 : message_size_ + size;
  }
  buffer_.erase(0, at + 4 + size);
  return result::frame;
}

} // namespace downhill::http::wire
