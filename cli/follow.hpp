// Following a run to its end over its WebSocket stream, as `jobs run`,
// `runs watch` and `runs logs --follow` do.
#pragma once

#include "cli/session.hpp"

#include <string>

namespace downhill::cli {

enum class follow_view {
  bars_and_logs,  // a bar per task and the log lines, then a summary line
  logs_only,      // the log lines; the summary goes to stderr
};

/// Follows the run from the log line after `after` until it ends; Ctrl-C
/// leaves it running (cli/interrupt.hpp). With --json every frame is one
/// line of JSON. Returns exit_code::ok if the run succeeded, run_failed
/// otherwise; throws command_failure if the stream breaks first.
int follow_run(session& server, const std::string& run_id, follow_view view,
               int64_t after = 0);

/// "#7 [info] Sync Database Data: Database data clone progress: 10%".
std::string log_line(const json& log);

/// "run 7 succeeded in 638 ms: 35 logs, 0 errors, 0 warnings".
std::string run_summary(const json& run);

} // namespace downhill::cli
