// `downhill runs list|show|logs|watch|cancel`: an organization's runs.
#pragma once

#include "cli/command.hpp"

namespace downhill::cli {

/// Registers `runs` and its commands under `app`.
void add_runs_commands(CLI::App& app, command_choice& choice);

} // namespace downhill::cli
