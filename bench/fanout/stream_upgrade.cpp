#include "fanout/stream_upgrade.hpp"

#include <cerrno>
#include <cstring>
#include <memory>

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace downhill::bench {

namespace {

/// The largest upgrade answer read (Beast's is a few hundred bytes).
constexpr size_t answer_limit = 16 * 1024;

std::string system_error(const char* what) {
  return std::string{what} + ": " + std::strerror(errno);
}

opened_stream failed(int fd, std::string error) {
  if (fd >= 0)
    ::close(fd);
  opened_stream s;
  s.error = std::move(error);
  return s;
}

} // namespace

opened_stream open_stream(const std::string& host, uint16_t port,
                          const std::string& target, const std::string& token,
                          std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(),
                             &hints, &found);
      rc != 0)
    return failed(-1, "resolving " + host + ": " + ::gai_strerror(rc));
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> addresses{found,
                                                           ::freeaddrinfo};
  int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return failed(fd, system_error("socket"));
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd, found->ai_addr, found->ai_addrlen) != 0)
    return failed(fd, system_error("connect"));

  // The key is the RFC's sample nonce: the bench checks the status, and
  // the server only needs 16 bytes in base64.
  std::string request = "GET " + target + " HTTP/1.1\r\n"
                        "Host: " + host + ":" + std::to_string(port) + "\r\n"
                        "Upgrade: websocket\r\n"
                        "Connection: Upgrade\r\n"
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        "Sec-WebSocket-Version: 13\r\n"
                        "Authorization: Bearer " + token + "\r\n\r\n";
  for (size_t sent = 0; sent < request.size();) {
    auto n = ::send(fd, request.data() + sent, request.size() - sent,
                    MSG_NOSIGNAL);
    if (n <= 0)
      return failed(fd, system_error("send"));
    sent += static_cast<size_t>(n);
  }
  std::string answer;
  size_t end = std::string::npos;
  char chunk[4096];
  while ((end = answer.find("\r\n\r\n")) == std::string::npos) {
    if (answer.size() > answer_limit)
      return failed(fd, "upgrade answer too long");
    auto n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n == 0)
      return failed(fd, "connection closed during the upgrade");
    if (n < 0)
      return failed(fd, system_error("recv"));
    answer.append(chunk, static_cast<size_t>(n));
  }
  auto status_line = answer.substr(0, answer.find("\r\n"));
  if (status_line.rfind("HTTP/1.1 101", 0) != 0)
    return failed(fd, "upgrade answered " + status_line);
  opened_stream s;
  s.fd = fd;
  s.leftover = answer.substr(end + 4);
  return s;
}

} // namespace downhill::bench
