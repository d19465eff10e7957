// Runs the real `downhill serve` binary as a child process on a free
// loopback port, with its own data directory, for server tests.
#pragma once

#include <filesystem>
#include <string>
#include <vector>
#include <sys/types.h>

namespace downhill::testing {

class server_process {
public:
  /// Starts a server on a fresh data directory (removed at destruction),
  /// with extra `serve` flags.
  explicit server_process(std::vector<std::string> extra_args = {});
  ~server_process();

  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  uint16_t port() const { return port_; }
  const std::string& admin_token() const { return admin_token_; }
  const std::filesystem::path& data_dir() const { return data_dir_; }
  /// Everything the server printed on stdout so far.
  const std::string& output() const { return output_; }

  /// SIGKILL: the process dies at whatever instant it is in.
  void kill_hard();
  /// SIGTERM and wait for a clean exit; returns the exit status.
  int stop();
  /// Starts the server again on the same data directory; `crash_at` arms
  /// a crash point (DOWNHILL_CRASH_AT) in the new process.
  void start(const std::string& crash_at = "");
  /// Waits for the process to exit by itself (a crash point); its status.
  int wait_exit();
  bool running() const { return pid_ > 0; }

private:
  std::filesystem::path data_dir_;
  std::string admin_token_ = "test-admin-token";
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  uint16_t port_ = 0;
  std::string output_;
  std::vector<std::string> extra_args_;
};

} // namespace downhill::testing
