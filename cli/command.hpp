// The client commands' common frame: their shared flags, and the one place
// where whatever ends a command becomes a line on stderr and an exit code.
#pragma once

#include "cli/session.hpp"

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace downhill::cli {

/// --server ($DOWNHILL_SERVER), --token (`token_env`), --org ($DOWNHILL_ORG)
/// when `with_org`, --json.
void add_connection_flags(CLI::App& command, connection_options& options,
                          const std::string& token_env = "DOWNHILL_TOKEN",
                          bool with_org = true);

/// The client commands main() registered; after parsing, runs the one the
/// command line named.
class command_choice {
public:
  /// `body` runs when `command` was given; its result is the exit code.
  void add(CLI::App* command, const connection_options& options,
           std::function<int()> body);
  /// The exit code of the chosen command, or nothing if none was chosen.
  std::optional<int> run() const;

private:
  struct entry {
    CLI::App* command;
    const connection_options* options;
    std::function<int()> body;
  };
  std::vector<entry> entries_;
};

/// One subcommand `name` of `parent` with its own `Options` (a struct with a
/// `connection` member), registered with `choice`; the options live as long
/// as `choice` holds the command. With `argument`, the command takes one
/// required positional argument (`argument_help`) into that member.
template <class Options>
std::pair<CLI::App*, std::shared_ptr<Options>>
add_command(CLI::App& parent, command_choice& choice, const std::string& name,
            const std::string& what, int (*body)(const Options&),
            std::string Options::*argument = nullptr,
            const std::string& argument_name = {},
            const std::string& argument_help = {}) {
  auto o = std::make_shared<Options>();
  auto command = parent.add_subcommand(name, what);
  add_connection_flags(*command, o->connection);
  if (argument)
    command->add_option(argument_name, (*o).*argument, argument_help)
      ->required();
  choice.add(command, o->connection, [o, body] { return body(*o); });
  return {command, o};
}

/// Runs `body`, turning every way it can end into an exit code and at most
/// one readable line on stderr (never a library's message with a path).
int run_command(const connection_options& options,
                const std::function<int()>& body);

} // namespace downhill::cli
