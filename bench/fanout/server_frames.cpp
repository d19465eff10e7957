#include "fanout/server_frames.hpp"

namespace downhill::bench {

namespace {
constexpr uint64_t largest_payload = 16u << 20;
}

server_frame cut_frame(std::string_view bytes) {
  server_frame f;
  if (bytes.size() < 2)
    return f;
  auto byte = [&](size_t i) { return static_cast<uint8_t>(bytes[i]); };
  if ((byte(0) & 0x70) != 0 || (byte(1) & 0x80) != 0) {
    f.result = server_frame::cut::bad;
    return f;
  }
  f.fin = (byte(0) & 0x80) != 0;
  f.opcode = byte(0) & 0x0f;
  uint64_t size = byte(1) & 0x7f;
  size_t at = 2;
  if (size == 126) {
    if (bytes.size() < 4)
      return f;
    size = (uint64_t{byte(2)} << 8) | byte(3);
    at = 4;
  } else if (size == 127) {
    if (bytes.size() < 10)
      return f;
    size = 0;
    for (size_t i = 2; i < 10; ++i)
      size = (size << 8) | byte(i);
    at = 10;
  }
  if (size > largest_payload) {
    f.result = server_frame::cut::bad;
    return f;
  }
  if (bytes.size() < at + size)
    return f;
  f.result = server_frame::cut::frame;
  f.payload = bytes.substr(at, size);
  f.size = at + size;
  return f;
}

std::string client_frame(uint8_t opcode, std::string_view payload) {
  // Control frames only (at most 125 bytes); a zero mask is a valid mask
  // and leaves the payload as it is.
  auto body = payload.substr(0, 125);
  std::string frame;
  frame += static_cast<char>(0x80 | opcode);
  frame += static_cast<char>(0x80 | body.size());
  frame.append(4, '\0');
  frame.append(body);
  return frame;
}

} // namespace downhill::bench
