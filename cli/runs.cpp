#include "cli/runs.hpp"

#include "cli/exit_codes.hpp"
#include "cli/follow.hpp"
#include "cli/output.hpp"

#include <iostream>
#include <memory>

namespace downhill::cli {

namespace {

struct runs_options {
  connection_options connection;
  std::string run;
  int limit = 20;
  std::string before;
  int64_t after = 0;
  bool follow = false;
};

std::string run_path(session& server, const std::string& run) {
  return server.org_path() + "/runs/" + url_part(run);
}

int list(const runs_options& o) {
  session server{o.connection};
  auto target = server.org_path() + "/runs?limit=" + std::to_string(o.limit);
  if (!o.before.empty())
    target += "&before=" + url_part(o.before);
  auto page = server.get(target);
  if (o.connection.json) {
    print_json(page);
    return exit_code::ok;
  }
  table runs{{"RUN", "STATUS", "NAME", "BASE -> TARGET", "TRIGGER", "BY",
              "CREATED", "ELAPSED"}};
  for (auto& run : page["runs"])
    runs.add({text(run["id"]), text(run["status"]), text(run["name"]),
              text(run["base_environment"]) + " -> "
                + text(run["target_environment"]),
              text(run["trigger"]), text(run["created_by"]),
              text(run["created_at"]),
              duration(run.value("elapsed_ms", int64_t{0}))});
  if (runs.empty())
    std::cout << "no runs\n";
  else
    runs.print();
  if (!page["next"].is_null())
    std::cerr << "more: downhill runs list --before " << text(page["next"])
              << "\n";
  return exit_code::ok;
}

int show(const runs_options& o) {
  session server{o.connection};
  auto run = server.get(run_path(server, o.run));
  if (o.connection.json) {
    print_json(run);
    return exit_code::ok;
  }
  std::cout << "run " << text(run["id"]) << ": " << text(run["name"]) << "\n"
            << "  status    " << text(run["status"]) << "\n"
            << "  job       " << text(run["job_id"]) << " ("
            << text(run["type"]) << ": " << text(run["base_environment"])
            << " -> " << text(run["target_environment"]) << ")\n"
            << "  trigger   " << text(run["trigger"]) << " by "
            << text(run["created_by"]) << "\n"
            << "  created   " << text(run["created_at"]) << "\n"
            << "  started   " << text(run["started_at"]) << "\n"
            << "  finished  " << text(run["finished_at"]) << "\n"
            << "  elapsed   " << duration(run.value("elapsed_ms", int64_t{0}))
            << "\n"
            << "  logs      " << run.value("total_logs", 0) << " ("
            << run.value("total_errors", 0) << " errors, "
            << run.value("total_warnings", 0) << " warnings)\n";
  table tasks{{"TASK", "STATUS", "PHASE", "PERCENT"}};
  for (auto& task : run["tasks"])
    tasks.add({text(task["name"]), text(task["status"]), text(task["phase"]),
               std::to_string(task.value("percent", 0)) + "%"});
  if (!tasks.empty())
    tasks.print();
  return exit_code::ok;
}

int logs(const runs_options& o) {
  session server{o.connection};
  if (o.follow)
    return follow_run(server, o.run, follow_view::logs_only, o.after);
  auto path = run_path(server, o.run) + "/logs?limit=5000&after=";
  // A run's log is bounded (a few lines per 10% of each task), so it is
  // read to its end, a page at a time.
  for (auto after = o.after;;) {
    auto page = server.get(path + std::to_string(after));
    if (!page.contains("logs") || page["logs"].empty())
      break;
    auto before = after;
    for (auto& log : page["logs"]) {
      if (o.connection.json)
        print_json(log);
      else
        std::cout << text(log["at"]) << " " << log_line(log) << "\n";
      after = std::max(after, log.value("seq", int64_t{0}));
    }
    if (after == before)
      break;
  }
  return exit_code::ok;
}

int watch(const runs_options& o) {
  session server{o.connection};
  if (!o.connection.json)
    std::cout << "run " << o.run << "\n";
  return follow_run(server, o.run, follow_view::bars_and_logs);
}

int cancel(const runs_options& o) {
  session server{o.connection};
  auto answer = server.post(run_path(server, o.run) + "/cancel", json::object());
  if (o.connection.json)
    print_json(answer);
  else
    std::cout << "run " << o.run << " " << text(answer["status"])
              << ": it stops at its next safe point (`downhill runs watch "
              << o.run << "` follows it)\n";
  return exit_code::ok;
}

/// A `runs` command that takes a run id.
void add_run_command(CLI::App& runs, command_choice& choice,
                     const std::string& name, const std::string& what,
                     int (*body)(const runs_options&)) {
  add_command(runs, choice, name, what, body, &runs_options::run, "run",
              "Run id");
}

} // namespace

void add_runs_commands(CLI::App& app, command_choice& choice) {
  auto runs = app.add_subcommand("runs", "An organization's runs");
  runs->require_subcommand(1);
  auto [list_cmd, list_o]
    = add_command(*runs, choice, "list", "Runs, newest first", list);
  list_cmd->add_option("--limit", list_o->limit, "Runs per page (1-500)")
    ->capture_default_str()
    ->check(CLI::Range(1, 500));
  list_cmd->add_option("--before", list_o->before,
                       "The page after this run id (what `more:` says)");
  add_run_command(*runs, choice, "show", "A run's summary and tasks", show);
  auto [logs_cmd, logs_o] = add_command(*runs, choice, "logs",
                                        "A run's log lines", logs,
                                        &runs_options::run, "run", "Run id");
  logs_cmd->add_flag("-f,--follow", logs_o->follow,
                     "Go on printing lines until the run ends");
  logs_cmd->add_option("--after", logs_o->after,
                       "Only the lines after this number");
  add_run_command(*runs, choice, "watch",
                  "Re-attach to a run: its bars and log lines until it ends",
                  watch);
  add_run_command(*runs, choice, "cancel", "Cancel a running or queued run",
                  cancel);
}

} // namespace downhill::cli
