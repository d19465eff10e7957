#include "cli/jobs_run.hpp"

#include "client/http_client.hpp"
#include "client/ws_client.hpp"

#include <nlohmann/json.hpp>

#include <iostream>
#include <map>
#include <stdexcept>
#include <unistd.h>

namespace downhill::cli {

using json = nlohmann::json;

namespace {

std::string bar(int percent) {
  constexpr int width = 24;
  int filled = percent * width / 100;
  return "[" + std::string(static_cast<size_t>(filled), '#')
         + std::string(static_cast<size_t>(width - filled), '.') + "] "
         + std::to_string(percent) + "%";
}

/// Draws the tasks' bars: in place on a terminal, as lines otherwise.
class progress_view {
public:
  progress_view() : tty_(isatty(STDOUT_FILENO) != 0) {}

  void progress(const std::string& task, const std::string& phase,
                int percent) {
    auto& slot = tasks_[task];
    bool changed = slot.first != phase || slot.second / 25 != percent / 25;
    slot = {phase, percent};
    if (tty_)
      redraw();
    else if (changed || percent == 100)
      std::cout << line_for(task) << "\n";
  }

  void log(const json& frame) {
    clear();
    std::cout << "  #" << frame.value("seq", 0) << " ["
              << frame.value("level", "") << "] " << frame.value("task", "")
              << ": " << frame.value("message", "") << "\n";
    if (tty_)
      redraw();
  }

  void finish() {
    if (tty_ && drawn_)
      std::cout << "\n";
    std::cout.flush();
  }

private:
  std::string line_for(const std::string& task) {
    auto& [phase, percent] = tasks_[task];
    return task + " (" + phase + ") " + bar(percent);
  }

  void clear() {
    if (tty_ && drawn_)
      std::cout << "\r\033[K";
  }

  void redraw() {
    clear();
    std::string text;
    for (auto& [task, state] : tasks_)
      text += (text.empty() ? "" : "   ") + line_for(task);
    std::cout << text << std::flush;
    drawn_ = true;
  }

  bool tty_;
  bool drawn_ = false;
  std::map<std::string, std::pair<std::string, int>> tasks_;
};

} // namespace

int jobs_run(const jobs_run_options& o) {
  std::optional<client::endpoint> server;
  try {
    server = client::parse_server_url(o.server);
  } catch (const std::invalid_argument& e) {
    std::cerr << "downhill: --server: " << e.what() << "\n";
    return 2;
  }
  try {
    client::http_client api{*server, o.token};
    auto me = api.get("/api/v1/me");
    if (me.status != 200 || me.data()["org"].is_null()) {
      std::cerr << "downhill: the token is not a user's token of this server"
                << "\n";
      return 2;
    }
    std::string org = me.data()["org"];
    json job{{"name", o.name},
             {"type", o.type},
             {"base_environment", o.base},
             {"schedule", {{"kind", "now"}}}};
    if (o.type == "create_environment") {
      job["new_environment"] = o.target;
      if (!o.display_name.empty())
        job["display_name"] = o.display_name;
    } else {
      job["target_environment"] = o.target;
    }
    auto submitted = api.post("/api/v1/orgs/" + org + "/jobs", job);
    if (submitted.status != 201) {
      // Not JSON when something other than downhill answered.
      auto body = json::parse(submitted.body, nullptr, false);
      auto error = body.is_object() ? body["error"] : json(nullptr);
      std::cerr << "downhill: " << submitted.status << " "
                << (error.is_object() ? error.value("code", "") + ": "
                                          + error.value("message", "")
                                      : std::string{"request failed"})
                << "\n";
      return 1;
    }
    std::string run_id = submitted.data()["run"]["id"];
    std::cout << "run " << run_id << ": " << o.name << " (" << o.base
              << " -> " << o.target << ")\n";

    client::ws_client events{
      *server, "/api/v1/orgs/" + org + "/runs/" + run_id + "/events",
      o.token};
    progress_view view;
    json final_run;
    for (;;) {
      auto frame = events.next();
      if (!frame)
        throw std::runtime_error("the event stream ended before the run did");
      auto type = frame->value("type", "");
      if (type == "progress") {
        view.progress((*frame)["task"], (*frame)["phase"],
                      (*frame)["percent"]);
      } else if (type == "log") {
        view.log(*frame);
      } else if (type == "run") {
        auto state = (*frame)["run"].value("status", "");
        if (state != "running" && state != "queued") {
          final_run = (*frame)["run"];
          break;
        }
      }
    }
    view.finish();
    events.close();
    std::cout << "run " << run_id << " " << final_run.value("status", "")
              << " in " << final_run.value("elapsed_ms", 0) << " ms: "
              << final_run.value("total_logs", 0) << " logs, "
              << final_run.value("total_errors", 0) << " errors, "
              << final_run.value("total_warnings", 0) << " warnings\n";
    return final_run.value("status", "") == "succeeded" ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "downhill: " << e.what() << "\n";
    return 1;
  }
}

} // namespace downhill::cli
