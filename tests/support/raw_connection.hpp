// A plain TCP connection to the server for hostile-input tests: sends any
// bytes, and reads what comes back (one HTTP answer, or until the server
// closes), with a deadline. No HTTP library between the test and the wire.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <sys/types.h>

namespace downhill::testing {

/// One HTTP answer as read off the wire.
struct raw_answer {
  int status = 0;        // 0: nothing (or no status line) came back
  std::string headers;   // the header block, lower-cased names as sent
  std::string body;
  bool closed = false;   // the server closed the connection after it
};

class raw_connection {
public:
  /// Connects to 127.0.0.1:port; throws if it cannot.
  explicit raw_connection(uint16_t port);
  ~raw_connection();
  raw_connection(const raw_connection&) = delete;
  raw_connection& operator=(const raw_connection&) = delete;

  /// Sends bytes as they are; false if the server has closed.
  bool send(const std::string& bytes);
  /// Reads one answer (status line, headers, Content-Length body). Waits at
  /// most `deadline`; then `closed` tells whether the server hung up.
  raw_answer read_answer(std::chrono::milliseconds deadline =
                           std::chrono::milliseconds(5000));
  /// Whether the server closes the connection within `deadline`.
  bool wait_closed(std::chrono::milliseconds deadline);
  int fd() const { return fd_; }

private:
  int fd_ = -1;
  std::string pending_;  // bytes read beyond the last answer
};

/// The pid of the `downhill serve` process whose command line names
/// `data_dir` (found in /proc), or -1.
pid_t find_server_pid(const std::filesystem::path& data_dir);

/// User plus system CPU time the process has used so far.
std::chrono::milliseconds cpu_time(pid_t pid);

} // namespace downhill::testing
