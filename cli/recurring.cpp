#include "cli/recurring.hpp"

#include "cli/exit_codes.hpp"
#include "cli/output.hpp"

#include <iostream>
#include <memory>

namespace downhill::cli {

namespace {

struct recurring_options {
  connection_options connection;
  std::string job;
  int limit = 50;
  std::string before;
};

std::string job_path(session& server, const std::string& job) {
  return server.org_path() + "/recurring-jobs/" + url_part(job);
}

int list(const recurring_options& o) {
  session server{o.connection};
  auto target = server.org_path()
                + "/recurring-jobs?limit=" + std::to_string(o.limit);
  if (!o.before.empty())
    target += "&before=" + url_part(o.before);
  auto page = server.get(target);
  if (o.connection.json) {
    print_json(page);
    return exit_code::ok;
  }
  table jobs{{"JOB", "NAME", "STATE", "SCHEDULE", "NEXT RUN", "LATEST RUN",
              "SKIPPED"}};
  for (auto& job : page["recurring_jobs"])
    jobs.add({text(job["job_id"]), text(job["name"]), text(job["state"]),
              schedule_text(job["schedule"]), text(job["next_run_at"]),
              text(job["latest_run_id"]),
              std::to_string(job.value("skipped_firings", 0))});
  if (jobs.empty())
    std::cout << "no recurring jobs\n";
  else
    jobs.print();
  if (!page["next"].is_null())
    std::cerr << "more: downhill recurring list --before "
              << text(page["next"]) << "\n";
  return exit_code::ok;
}

int change(const recurring_options& o, const std::string& verb) {
  session server{o.connection};
  auto job = server.post(job_path(server, o.job) + "/" + verb, json::object());
  if (o.connection.json)
    print_json(job);
  else
    std::cout << "recurring job " << o.job << " " << text(job["state"])
              << ", next run at " << text(job["next_run_at"]) << "\n";
  return exit_code::ok;
}

int pause(const recurring_options& o) {
  return change(o, "pause");
}

int resume(const recurring_options& o) {
  return change(o, "resume");
}

int remove(const recurring_options& o) {
  session server{o.connection};
  server.del(job_path(server, o.job));
  if (o.connection.json)
    print_json(json{{"job_id", o.job}, {"deleted", true}});
  else
    std::cout << "recurring job " << o.job << " deleted\n";
  return exit_code::ok;
}

/// A `recurring` command that takes a job id.
void add_job_command(CLI::App& recurring, command_choice& choice,
                     const std::string& name, const std::string& what,
                     int (*body)(const recurring_options&)) {
  add_command(recurring, choice, name, what, body, &recurring_options::job,
              "job", "Recurring job id");
}

} // namespace

std::string schedule_text(const nlohmann::json& schedule) {
  if (!schedule.is_object())
    return text(schedule);
  auto kind = schedule.value("kind", "");
  std::string words = kind;
  if (kind == "hourly")
    words += " :" + std::string(schedule.value("minute", 0) < 10 ? "0" : "")
             + std::to_string(schedule.value("minute", 0));
  else if (kind == "daily")
    words += " " + schedule.value("at", "");
  else if (kind == "weekly")
    words += " " + schedule.value("day", "") + " " + schedule.value("at", "");
  else if (kind == "interval")
    words = "every " + std::to_string(schedule.value("every_seconds", 0))
            + "s";
  else if (kind == "cron")
    words += " " + schedule.value("expression", "");
  if (schedule.contains("timezone"))
    words += " " + schedule.value("timezone", "");
  return words;
}

void add_recurring_commands(CLI::App& app, command_choice& choice) {
  auto recurring
    = app.add_subcommand("recurring", "An organization's recurring jobs");
  recurring->require_subcommand(1);
  auto [list_cmd, list_o] = add_command(*recurring, choice, "list",
                                        "Recurring jobs, newest first", list);
  list_cmd->add_option("--limit", list_o->limit, "Jobs per page (1-500)")
    ->capture_default_str()
    ->check(CLI::Range(1, 500));
  list_cmd->add_option("--before", list_o->before,
                       "The page after this job id (what `more:` says)");
  add_job_command(*recurring, choice, "pause",
                  "Stop firing (a waiting run is cancelled)", pause);
  add_job_command(*recurring, choice, "resume", "Fire again, from now on",
                  resume);
  add_job_command(*recurring, choice, "delete",
                  "Delete a recurring job (its runs stay listed)", remove);
}

} // namespace downhill::cli
