// The `downhill serve` process under test: started as a child on a free
// loopback port with the soak's data directory, killed and restarted by the
// soak, and watched for deaths the soak did not cause.
//
// Unlike tests/support/server_process it knows the pid (for waitpid without
// blocking and for /proc/<pid>/status), writes the server's stdout and
// stderr to one log file per start (a long soak must not fill a pipe nobody
// reads, and the log tail explains a crash), and says "down" (port 0) while
// no server runs so clients wait instead of dialling a stale port.
#pragma once

#include <atomic>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace downhill::soak {

class server_supervisor {
public:
  server_supervisor(std::filesystem::path binary,
                    std::filesystem::path work_dir, std::string admin_token,
                    std::vector<std::string> extra_args);
  ~server_supervisor();

  server_supervisor(const server_supervisor&) = delete;
  server_supervisor& operator=(const server_supervisor&) = delete;

  /// Starts the server and waits (30 s deadline) for the line naming its
  /// port. Throws if it exits or stays silent.
  void start();
  /// SIGKILL, and reap it: a death the soak caused.
  void kill_hard();
  /// SIGTERM and wait (deadline); the exit description ("exit 0",
  /// "signal 6", "did not exit within 60 s, killed").
  std::string stop_gracefully();
  /// If the server exited by itself since the last look: how ("exit 1",
  /// "signal 11"). Only the soak's main thread calls it (it reaps).
  std::optional<std::string> unexpected_exit();

  /// The port of the running server; 0 while none runs.
  uint16_t port() const { return port_.load(); }
  /// How many times the server was started.
  int incarnation() const { return incarnation_.load(); }
  pid_t pid() const { return pid_; }
  const std::string& admin_token() const { return admin_token_; }
  /// The directory the store inspector reads (it holds `var/`).
  const std::filesystem::path& work_dir() const { return work_dir_; }
  std::filesystem::path log_file() const;

  /// VmRSS of the running server in KiB; -1 if it cannot be read.
  int64_t rss_kib() const;
  /// The last lines the current (or last) server printed.
  std::string log_tail(size_t lines) const;

private:
  std::string describe(int wait_status) const;
  void reaped();

  std::filesystem::path binary_;
  std::filesystem::path work_dir_;
  std::string admin_token_;
  std::vector<std::string> extra_args_;
  pid_t pid_ = -1;
  std::atomic<uint16_t> port_{0};
  std::atomic<int> incarnation_{0};
};

} // namespace downhill::soak
