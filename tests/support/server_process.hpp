// Runs the real `downhill serve` binary as a child process on a free
// loopback port, with its own data directory, for server tests.
#pragma once

#include <filesystem>
#include <string>
#include <sys/types.h>

namespace downhill::testing {

class server_process {
public:
  /// Starts a server on a fresh data directory (removed at destruction).
  server_process();
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
  /// Starts the server again on the same data directory.
  void start();

private:
  std::filesystem::path data_dir_;
  std::string admin_token_ = "test-admin-token";
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  uint16_t port_ = 0;
  std::string output_;
};

} // namespace downhill::testing
