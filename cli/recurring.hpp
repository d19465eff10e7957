// `downhill recurring list|pause|resume|delete`: an organization's
// recurring jobs.
#pragma once

#include "cli/command.hpp"

namespace downhill::cli {

/// Registers `recurring` and its commands under `app`.
void add_recurring_commands(CLI::App& app, command_choice& choice);

/// A schedule object in words: "daily 02:30 Europe/Berlin".
std::string schedule_text(const nlohmann::json& schedule);

} // namespace downhill::cli
