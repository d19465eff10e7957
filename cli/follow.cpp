#include "cli/follow.hpp"

#include "cli/exit_codes.hpp"
#include "cli/interrupt.hpp"
#include "cli/output.hpp"
#include "client/ws_client.hpp"

#include <unistd.h>

#include <iostream>
#include <map>

namespace downhill::cli {

namespace {

/// Draws the tasks' bars: all on one line redrawn in place on a terminal,
/// a line per change otherwise (a pipe, a CI log); every bar fits the
/// terminal's width.
class progress_view {
public:
  progress_view()
    : tty_(isatty(STDOUT_FILENO) != 0), width_(terminal_width()) {}

  void progress(const std::string& task, const std::string& phase,
                int percent) {
    auto& slot = tasks_[task];
    bool changed = slot.phase != phase || slot.percent / 25 != percent / 25;
    slot = {phase, percent};
    if (tty_)
      redraw();
    else if (changed || percent == 100)
      std::cout << fit_bar(label(task), percent, width_) << "\n";
  }

  void log(const json& frame) {
    clear();
    drawn_ = false;
    std::cout << "  " << log_line(frame) << "\n";
    if (tty_)
      redraw();
  }

  void finish() {
    if (tty_ && drawn_)
      std::cout << "\n";
    drawn_ = false;
    std::cout.flush();
  }

private:
  struct state {
    std::string phase;
    int percent = 0;
  };

  std::string label(const std::string& task) {
    return task + " (" + tasks_[task].phase + ")";
  }

  void clear() {
    if (tty_ && drawn_)
      std::cout << "\r\033[K";
  }

  /// One line holds every task: each gets an equal share of the width
  /// (one column stays free, or the terminal wraps).
  void redraw() {
    clear();
    if (tasks_.empty())  // a log line before any progress
      return;
    constexpr int gap = 3;
    int count = static_cast<int>(tasks_.size());
    int share = (width_ - 1 - gap * (count - 1)) / count;
    std::string text;
    for (auto& [task, s] : tasks_)
      text += (text.empty() ? "" : std::string(gap, ' '))
              + fit_bar(label(task), s.percent, share);
    std::cout << text << std::flush;
    drawn_ = true;
  }

  bool tty_;
  int width_;
  bool drawn_ = false;
  std::map<std::string, state> tasks_;
};

bool ended(const json& run) {
  auto status = run.value("status", "");
  return status != "running" && status != "queued";
}

} // namespace

std::string log_line(const json& log) {
  return "#" + std::to_string(log.value("seq", int64_t{0})) + " ["
         + log.value("level", "") + "] " + log.value("task", "") + ": "
         + log.value("message", "");
}

std::string run_summary(const json& run) {
  return "run " + run.value("id", "") + " " + run.value("status", "")
         + " in " + duration(run.value("elapsed_ms", int64_t{0})) + ": "
         + std::to_string(run.value("total_logs", 0)) + " logs, "
         + std::to_string(run.value("total_errors", 0)) + " errors, "
         + std::to_string(run.value("total_warnings", 0)) + " warnings";
}

int follow_run(session& server, const std::string& run_id, follow_view view,
               int64_t after) {
  on_interrupt_leave_run(run_id);
  bool as_json = server.options().json;
  auto run_path = server.org_path() + "/runs/" + url_part(run_id);
  progress_view bars;
  int64_t last_seq = after;
  auto show_log = [&](json frame) {
    last_seq = std::max(last_seq, frame.value("seq", int64_t{0}));
    if (as_json) {
      frame["type"] = "log";
      frame["run_id"] = run_id;
      print_json(frame);
    } else if (view == follow_view::bars_and_logs) {
      bars.log(frame);
    } else {
      std::cout << log_line(frame) << "\n";
    }
  };
  json final_run;
  // A stream closed because this client fell behind (1008) or the server
  // was busy (1013) is resumed from the last line shown; ten times in a
  // row without a new line is too many.
  for (int resumes = 0; final_run.is_null(); ++resumes) {
    auto seq_at_connect = last_seq;
    client::ws_client events{server.server(),
                             run_path + "/events?after="
                               + std::to_string(last_seq),
                             server.token()};
    while (auto frame = events.next()) {
      auto type = frame->value("type", "");
      if (type == "log") {
        if (frame->value("seq", int64_t{0}) > last_seq)
          show_log(*frame);
        continue;
      }
      if (as_json && view == follow_view::bars_and_logs)
        print_json(*frame);
      if (type == "progress" && view == follow_view::bars_and_logs
          && !as_json)
        bars.progress(frame->value("task", ""), frame->value("phase", ""),
                      frame->value("percent", 0));
      if (type == "run" && (*frame)["run"].is_object()
          && ended((*frame)["run"])) {
        final_run = (*frame)["run"];
        events.close();
        break;
      }
    }
    if (!final_run.is_null())
      break;
    if (last_seq > seq_at_connect)
      resumes = 0;
    bool resumable = events.closed()
                     && (events.close_code() == 1008
                         || events.close_code() == 1013);
    if (!resumable || resumes >= 10)
      throw command_failure{
        exit_code::unreachable,
        "the connection to the server closed before run " + run_id
          + " ended; `downhill runs watch " + run_id + "` re-attaches"};
  }
  // An ended run's stream sends its summary before its stored lines: the
  // rest of the log is read over HTTP.
  for (;;) {
    auto page = server.get(run_path + "/logs?limit=5000&after="
                           + std::to_string(last_seq));
    if (!page.contains("logs") || page["logs"].empty())
      break;
    auto before = last_seq;
    for (auto& log : page["logs"])
      show_log(log);
    if (last_seq == before)
      break;
  }
  bars.finish();
  if (!as_json) {
    (view == follow_view::bars_and_logs ? std::cout : std::cerr)
      << run_summary(final_run) << std::endl;
  }
  return final_run.value("status", "") == "succeeded" ? exit_code::ok
                                                      : exit_code::run_failed;
}

} // namespace downhill::cli
