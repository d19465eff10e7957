// Ctrl-C while a command follows a run: the run is the server's, so the
// command only stops watching, says how to cancel, and exits 130.
#pragma once

#include <string>

namespace downhill::cli {

/// From now on SIGINT prints "run RUN continues on the server; cancel it
/// with `downhill runs cancel RUN`" on stderr and exits 130.
void on_interrupt_leave_run(const std::string& run_id);

/// From now on SIGINT prints `message` on stderr and exits 130 (before a
/// run is known: while a job is being submitted).
void on_interrupt_say(const std::string& message);

} // namespace downhill::cli
