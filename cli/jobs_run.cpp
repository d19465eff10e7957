#include "cli/jobs_run.hpp"

#include "cli/exit_codes.hpp"
#include "cli/follow.hpp"
#include "cli/interrupt.hpp"
#include "cli/output.hpp"

#include <iostream>
#include <memory>
#include <sstream>

namespace downhill::cli {

namespace {

struct jobs_run_options {
  connection_options connection;
  std::string type = "sync_environments";
  std::string name;
  std::string base;
  std::string target;        // sync: the target; create: the new alias
  std::string display_name;  // create
  std::string schedule = "now";
  std::string timezone;
};

[[noreturn]] void bad_schedule(const std::string& text, const std::string& why) {
  throw command_failure{exit_code::usage,
                        "--schedule \"" + text + "\": " + why
                          + " (e.g. now, \"hourly 5\", \"daily 02:30\", "
                            "\"weekly mon 02:30\", \"every 15m\", "
                            "\"cron */15 * * * *\")"};
}

int64_t seconds_of(const std::string& text, const std::string& whole) {
  size_t used = 0;
  int64_t value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (...) {
    bad_schedule(whole, "\"" + text + "\" is not a number of seconds");
  }
  auto unit = text.substr(used);
  int64_t scale = unit.empty() || unit == "s" ? 1
                  : unit == "m"               ? 60
                  : unit == "h"               ? 3600
                  : unit == "d"               ? 86400
                                              : 0;
  if (scale == 0 || value <= 0)
    bad_schedule(whole, "\"" + text + "\" is not a positive duration "
                                      "(N, Ns, Nm, Nh or Nd)");
  return value * scale;
}

int submit(const jobs_run_options& o) {
  session server{o.connection};
  auto schedule = parse_schedule(o.schedule, o.timezone);
  json job{{"name", o.name},
           {"type", o.type},
           {"base_environment", o.base},
           {"schedule", schedule}};
  if (o.type == "create_environment") {
    job["new_environment"] = o.target;
    if (!o.display_name.empty())
      job["display_name"] = o.display_name;
  } else {
    job["target_environment"] = o.target;
  }
  auto jobs = server.org_path() + "/jobs";
  on_interrupt_say("interrupted while submitting the job; `downhill runs "
                   "list` shows whether it was");
  auto submitted = server.post(jobs, job);
  if (!submitted.contains("run") || !submitted["run"].is_object()) {
    // A recurring job: its runs come at their times.
    auto& made = submitted["job"];
    if (o.connection.json)
      print_json(submitted);
    else
      std::cout << "recurring job " << text(made["id"]) << ": " << o.name
                << " (" << o.base << " -> " << o.target << "), "
                << schedule.value("kind", "") << ", next run at "
                << text(made["next_run_at"]) << "\n";
    return exit_code::ok;
  }
  std::string run_id = text(submitted["run"]["id"]);
  if (o.connection.json)
    print_json(submitted);
  else
    std::cout << "run " << run_id << ": " << o.name << " (" << o.base
              << " -> " << o.target << ")\n";
  return follow_run(server, run_id, follow_view::bars_and_logs);
}

} // namespace

json parse_schedule(const std::string& text, const std::string& timezone) {
  json schedule;
  if (!text.empty() && text.front() == '{') {
    schedule = json::parse(text, nullptr, false);
    if (!schedule.is_object())
      bad_schedule(text, "not a JSON object");
  } else {
    std::istringstream words{text};
    std::string kind;
    words >> kind;
    std::vector<std::string> rest;
    for (std::string word; words >> word;)
      rest.push_back(word);
    auto want = [&](size_t count) {
      if (rest.size() != count)
        bad_schedule(text, kind + " takes " + std::to_string(count)
                             + " value(s)");
    };
    if (kind == "now") {
      want(0);
      schedule = {{"kind", "now"}};
    } else if (kind == "hourly") {
      want(1);
      auto minute = rest[0];
      if (!minute.empty() && minute.front() == ':')
        minute.erase(0, 1);
      try {
        size_t used = 0;
        int value = std::stoi(minute, &used);
        if (used != minute.size())
          throw std::invalid_argument{minute};
        schedule = {{"kind", "hourly"}, {"minute", value}};
      } catch (const std::exception&) {
        bad_schedule(text, "the minute must be a number");
      }
    } else if (kind == "daily") {
      want(1);
      schedule = {{"kind", "daily"}, {"at", rest[0]}};
    } else if (kind == "weekly") {
      want(2);
      schedule = {{"kind", "weekly"}, {"day", rest[0]}, {"at", rest[1]}};
    } else if (kind == "every" || kind == "interval") {
      want(1);
      schedule = {{"kind", "interval"},
                  {"every_seconds", seconds_of(rest[0], text)}};
    } else if (kind == "cron") {
      if (rest.empty())
        bad_schedule(text, "cron takes an expression");
      std::string expression;
      for (auto& word : rest)
        expression += (expression.empty() ? "" : " ") + word;
      schedule = {{"kind", "cron"}, {"expression", expression}};
    } else {
      bad_schedule(text, "unknown kind \"" + kind + "\"");
    }
  }
  // Times are checked by the server (400 invalid_schedule), which knows
  // every rule.
  if (!timezone.empty() && schedule.value("kind", "") != "now")
    schedule["timezone"] = timezone;
  return schedule;
}

void add_jobs_commands(CLI::App& app, command_choice& choice) {
  auto jobs = app.add_subcommand("jobs", "Work with environment jobs");
  jobs->require_subcommand(1);
  auto run = jobs->add_subcommand(
    "run", "Submit a job; one that runs now is followed with a progress bar "
           "per task");
  auto o = std::make_shared<jobs_run_options>();
  add_connection_flags(*run, o->connection);
  run->add_option("--type", o->type, "Job type")
    ->check(CLI::IsMember({"sync_environments", "create_environment"}))
    ->capture_default_str();
  run->add_option("--name", o->name, "Job name")->required();
  run->add_option("--base", o->base, "Base environment")->required();
  run->add_option("--target", o->target,
                  "Target environment (sync) or new alias (create)")
    ->required();
  run->add_option("--display-name", o->display_name,
                  "Display name of a new environment");
  run->add_option("--schedule", o->schedule,
                  "now, \"hourly MM\", \"daily HH:MM\", \"weekly DAY HH:MM\", "
                  "\"every N[s|m|h|d]\", \"cron EXPR\", or the API's JSON")
    ->capture_default_str();
  run->add_option("--timezone", o->timezone,
                  "Time zone of a recurring schedule (default: UTC)");
  choice.add(run, o->connection, [o] { return submit(*o); });
}

} // namespace downhill::cli
