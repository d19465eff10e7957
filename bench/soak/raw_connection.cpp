#include "raw_connection.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace downhill::soak {

raw_outcome send_raw(uint16_t port, const std::string& bytes, bool hang_up,
                     std::chrono::milliseconds deadline) {
  raw_outcome out;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return out;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval send_timeout{1, 0};  // a server that stops reading must not hang us
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return out;
  }
  out.connected = true;
  size_t sent = 0;
  while (sent < bytes.size()) {
    // MSG_NOSIGNAL: a server that answers and closes early (431, 413) must
    // not kill the soak with SIGPIPE.
    auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0)
      break;
    sent += static_cast<size_t>(n);
  }
  if (hang_up) {
    ::close(fd);
    return out;
  }
  std::string received;
  auto until = std::chrono::steady_clock::now() + deadline;
  while (received.find("\r\n") == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  until - std::chrono::steady_clock::now())
                  .count();
    if (left <= 0)
      break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0)
      continue;
    char buf[4096];
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      out.closed = true;
      break;
    }
    received.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  auto eol = received.find("\r\n");
  out.first_line = received.substr(0, eol == std::string::npos ? 80 : eol);
  if (out.first_line.rfind("HTTP/1.", 0) == 0 && out.first_line.size() >= 12)
    out.status = std::atoi(out.first_line.c_str() + 9);
  return out;
}

} // namespace downhill::soak
