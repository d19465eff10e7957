// Runs the real `downhill serve` binary as a child process on a free
// loopback port, with its own data directory, for server tests.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>
#include <sys/types.h>

namespace downhill::testing {

/// Whether the fixture gives the server its admin token (`given`, in
/// $DOWNHILL_ADMIN_TOKEN, which unlike a flag stays out of the process
/// list), or lets it use the one it keeps in its data directory (`kept`:
/// generated at the first start and read from its output).
enum class admin_source { given, kept };

class server_process {
public:
  /// Starts a server on a fresh data directory (removed at destruction),
  /// with extra `serve` flags.
  explicit server_process(std::vector<std::string> extra_args = {},
                          admin_source admin = admin_source::given);
  ~server_process();

  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  uint16_t port() const { return port_; }
  const std::string& admin_token() const { return admin_token_; }
  const std::filesystem::path& data_dir() const { return data_dir_; }
  /// The server's own --data-dir, inside data_dir().
  std::filesystem::path var_dir() const { return data_dir_ / "var"; }
  pid_t pid() const { return pid_; }
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
  /// From the next start() on: the server's stderr (its log) is appended
  /// to `file`, and its `serve` flags are `extra_args`.
  void restart_settings(std::filesystem::path file,
                        std::vector<std::string> extra_args) {
    stderr_file_ = std::move(file);
    extra_args_ = std::move(extra_args);
  }

private:
  std::filesystem::path data_dir_;
  // At least 32 characters: the server refuses shorter admin tokens.
  std::string admin_token_ = "test-admin-token-of-at-least-32-characters";
  admin_source admin_;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  uint16_t port_ = 0;
  std::string output_;
  std::vector<std::string> extra_args_;
  std::filesystem::path stderr_file_;
};

/// What a `downhill` command that ran to its end printed, and its status.
struct command_result {
  int exit_code = -1;  // 128 + signal if it was killed
  std::string out;
  std::string err;
};

/// Runs the downhill binary with `args` (without DOWNHILL_ADMIN_TOKEN and
/// DOWNHILL_CRASH_AT in its environment) until it exits; kills it and
/// throws if it is still running at the deadline.
command_result run_downhill(
  const std::vector<std::string>& args,
  std::chrono::seconds deadline = std::chrono::seconds(30));

} // namespace downhill::testing
