#include "cli/interrupt.hpp"

#include "cli/exit_codes.hpp"

#include <algorithm>
#include <csignal>
#include <cstring>
#include <unistd.h>

namespace downhill::cli {

namespace {

// Written before the handler is installed, read only inside it: the
// handler may use nothing but write() and _exit().
char message_buffer[512];
size_t message_length = 0;
bool stdout_is_terminal = false;

extern "C" void leave_on_interrupt(int) {
  // A bar drawn in place has no newline yet.
  if (stdout_is_terminal)
    (void)!write(STDOUT_FILENO, "\n", 1);
  (void)!write(STDERR_FILENO, message_buffer, message_length);
  _exit(exit_code::interrupted);
}

} // namespace

void on_interrupt_say(const std::string& message) {
  // Blocked while the text changes, so the handler never reads half of it.
  sigset_t block, previous;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigprocmask(SIG_BLOCK, &block, &previous);
  auto line = "downhill: " + message + "\n";
  message_length = std::min(line.size(), sizeof(message_buffer));
  std::memcpy(message_buffer, line.data(), message_length);
  stdout_is_terminal = isatty(STDOUT_FILENO) != 0;
  struct sigaction action {};
  action.sa_handler = leave_on_interrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigprocmask(SIG_SETMASK, &previous, nullptr);
}

void on_interrupt_leave_run(const std::string& run_id) {
  on_interrupt_say("run " + run_id
                   + " continues on the server; cancel it with `downhill "
                     "runs cancel "
                   + run_id + "`");
}

} // namespace downhill::cli
