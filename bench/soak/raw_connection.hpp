// Bytes on a plain TCP socket, for requests no HTTP library would write:
// invalid UTF-8, broken framing, garbage, requests cut off half-way.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace downhill::soak {

struct raw_outcome {
  bool connected = false;
  int status = 0;             // the status line's code, 0 if none came
  bool closed = false;        // the server closed (or reset) the connection
  std::string first_line;     // the status line as received
};

/// Connects, writes `bytes` (what the server takes of them), then either
/// closes at once (`hang_up`: a client that vanishes mid-request) or reads
/// the answer's status line until `deadline`.
raw_outcome send_raw(uint16_t port, const std::string& bytes, bool hang_up,
                     std::chrono::milliseconds deadline);

} // namespace downhill::soak
