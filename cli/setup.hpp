// `downhill orgs create` and `downhill users create`: the first set-up of
// a server, with its admin token.
#pragma once

#include "cli/command.hpp"

namespace downhill::cli {

/// Registers `orgs create` and `users create` under `app`.
void add_setup_commands(CLI::App& app, command_choice& choice);

} // namespace downhill::cli
