#include "raw_connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace downhill::testing {

namespace {

using steady = std::chrono::steady_clock;

/// Reads what is available within the time left; false on close or error.
bool read_some(int fd, std::string& into, steady::time_point until,
               bool& closed) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
    until - steady::now());
  if (left.count() <= 0)
    return false;
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(left.count())) <= 0)
    return false;
  char buffer[65536];
  auto n = ::recv(fd, buffer, sizeof(buffer), 0);
  if (n <= 0) {
    closed = true;
    return false;
  }
  into.append(buffer, static_cast<size_t>(n));
  return true;
}

} // namespace

raw_connection::raw_connection(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0)
    throw std::runtime_error("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address))
      != 0) {
    ::close(fd_);
    throw std::runtime_error(std::string{"connect failed: "}
                             + std::strerror(errno));
  }
}

raw_connection::~raw_connection() {
  if (fd_ >= 0)
    ::close(fd_);
}

bool raw_connection::send(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent,
                    MSG_NOSIGNAL);
    if (n <= 0)
      return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

raw_answer raw_connection::read_answer(std::chrono::milliseconds deadline) {
  raw_answer answer;
  auto until = steady::now() + deadline;
  std::string data = std::move(pending_);
  pending_.clear();
  size_t header_end = std::string::npos;
  while ((header_end = data.find("\r\n\r\n")) == std::string::npos)
    if (!read_some(fd_, data, until, answer.closed))
      return answer;
  answer.headers = data.substr(0, header_end);
  if (answer.headers.rfind("HTTP/1.", 0) == 0 && answer.headers.size() >= 12)
    answer.status = std::stoi(answer.headers.substr(9, 3));
  std::string lower = answer.headers;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  size_t length = 0;
  if (auto at = lower.find("content-length:"); at != std::string::npos)
    length = std::stoul(lower.substr(at + 15));
  auto body_start = header_end + 4;
  while (data.size() < body_start + length)
    if (!read_some(fd_, data, until, answer.closed))
      break;
  answer.body = data.substr(body_start, length);
  pending_ = data.size() > body_start + length
               ? data.substr(body_start + length)
               : std::string{};
  if (lower.find("connection: close") != std::string::npos)
    answer.closed = wait_closed(deadline);
  return answer;
}

bool raw_connection::wait_closed(std::chrono::milliseconds deadline) {
  auto until = steady::now() + deadline;
  bool closed = false;
  std::string ignored;
  while (!closed && read_some(fd_, ignored, until, closed)) {
  }
  return closed;
}

pid_t find_server_pid(const std::filesystem::path& data_dir) {
  auto wanted = data_dir.string();
  for (auto& entry : std::filesystem::directory_iterator("/proc")) {
    auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    std::ifstream cmdline{entry.path() / "cmdline", std::ios::binary};
    std::string text{std::istreambuf_iterator<char>(cmdline), {}};
    if (text.find("serve") != std::string::npos
        && text.find(wanted) != std::string::npos)
      return static_cast<pid_t>(std::stol(name));
  }
  return -1;
}

std::chrono::milliseconds cpu_time(pid_t pid) {
  std::ifstream stat{"/proc/" + std::to_string(pid) + "/stat"};
  std::string text{std::istreambuf_iterator<char>(stat), {}};
  // Fields after the command name (which may hold spaces) in parentheses.
  auto rest = text.substr(text.rfind(')') + 2);
  std::istringstream fields{rest};
  std::vector<std::string> values;
  for (std::string v; fields >> v;)
    values.push_back(v);
  if (values.size() < 13)
    return std::chrono::milliseconds(0);
  auto ticks = std::stoll(values[11]) + std::stoll(values[12]);  // utime+stime
  return std::chrono::milliseconds(ticks * 1000 / sysconf(_SC_CLK_TCK));
}

} // namespace downhill::testing
