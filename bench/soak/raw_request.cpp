#include "soak/raw_request.hpp"

#include "raw_connection.hpp"  // tests/support: the socket itself

namespace downhill::soak {

raw_outcome send_raw(uint16_t port, const std::string& bytes, bool hang_up,
                     std::chrono::milliseconds deadline) {
  raw_outcome out;
  try {
    testing::raw_connection connection{port};
    out.connected = true;
    connection.send(bytes);
    if (hang_up)
      return out;  // the connection closes here, mid-request
    auto answer = connection.read_answer(deadline);
    out.status = answer.status;
    out.closed = answer.closed;
    out.first_line = answer.headers.substr(0, answer.headers.find("\r\n"));
  } catch (const std::exception&) {
    // Not connected: `connected` stays false.
  }
  return out;
}

} // namespace downhill::soak
