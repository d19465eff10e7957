// The `downhill` client as a child process whose output is read while it
// runs (through pipes, as a CI log would), for the CLI's tests: wait for a
// line, send Ctrl-C, collect what it printed and its exit status.
#pragma once

#include "server_process.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>
#include <sys/types.h>

namespace downhill::testing {

class cli_process {
public:
  /// Starts `downhill ARGS` with an environment free of every DOWNHILL_*
  /// variable and of COLUMNS, plus `env`. Its stdout is a pipe, or with
  /// `terminal_columns` > 0 a pseudo-terminal that wide.
  explicit cli_process(const std::vector<std::string>& args,
                       const std::map<std::string, std::string>& env = {},
                       int terminal_columns = 0);
  ~cli_process();  // kills a child still running

  cli_process(const cli_process&) = delete;
  cli_process& operator=(const cli_process&) = delete;

  /// Reads until a whole stdout line satisfies `wanted` and returns it;
  /// throws if the child ends or the deadline passes first.
  std::string wait_for_line(const std::function<bool(const std::string&)>& wanted,
                            std::chrono::seconds deadline = std::chrono::seconds(60));
  /// Sends SIGINT, as Ctrl-C does.
  void interrupt();
  /// Reads to the end and waits for the exit; everything it printed.
  command_result finish(std::chrono::seconds deadline = std::chrono::seconds(60));

private:
  /// Reads what is there within `timeout_ms`; false once both pipes closed.
  bool read_some(int timeout_ms);

  pid_t pid_ = -1;
  int out_ = -1;
  int err_ = -1;
  size_t scanned_ = 0;  // stdout bytes already offered to wait_for_line
  command_result result_;
};

/// `downhill ARGS` with `env` (as cli_process) run to its end, its stdout
/// a terminal (a pseudo-terminal `columns` wide): `out` is what the
/// terminal received, control sequences included.
command_result run_cli_on_terminal(const std::vector<std::string>& args,
                                   const std::map<std::string, std::string>& env,
                                   int columns);

/// `downhill ARGS` with `env` (as cli_process) run to its end.
command_result run_cli(const std::vector<std::string>& args,
                       const std::map<std::string, std::string>& env = {});

} // namespace downhill::testing
