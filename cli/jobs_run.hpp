// `downhill jobs run`: submits a Create or Sync job, now or on a schedule;
// a job that runs now is followed to its end with a bar per task.
#pragma once

#include "cli/command.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace downhill::cli {

/// Registers `jobs run` under `app`.
void add_jobs_commands(CLI::App& app, command_choice& choice);

/// --schedule as the API's schedule object: "now", "hourly MM",
/// "daily HH:MM", "weekly DAY HH:MM", "every N[s|m|h|d]", "cron EXPR", or
/// a JSON object as the API takes it. `timezone` (if not empty) goes into
/// every recurring kind. Throws command_failure (usage) for anything else.
nlohmann::json parse_schedule(const std::string& text,
                              const std::string& timezone);

} // namespace downhill::cli
