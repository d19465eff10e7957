#include "cli/setup.hpp"

#include "cli/exit_codes.hpp"
#include "cli/output.hpp"

#include <iostream>
#include <memory>

namespace downhill::cli {

namespace {

struct setup_options {
  connection_options connection;
  std::string name;
};

int create_org(const setup_options& o) {
  session server{o.connection};
  auto org = server.post("/api/v1/orgs", json{{"name", o.name}});
  if (o.connection.json)
    print_json(org);
  else
    std::cout << "organization " << text(org["id"])
              << " created, with its environment main\n";
  return exit_code::ok;
}

int create_user(const setup_options& o) {
  if (o.connection.org.empty())
    throw command_failure{exit_code::usage,
                          "users create needs --org (or $DOWNHILL_ORG)"};
  session server{o.connection};
  auto user = server.post(server.org_path() + "/users", json{{"name", o.name}});
  if (o.connection.json) {
    print_json(user);
  } else {
    std::cout << "user " << text(user["name"]) << " created in "
              << server.org() << "; token (shown only now):\n"
              << text(user["token"]) << "\n";
  }
  return exit_code::ok;
}

} // namespace

void add_setup_commands(CLI::App& app, command_choice& choice) {
  // Admin routes: the token defaults to the one the server was given.
  const std::string admin_env = "DOWNHILL_ADMIN_TOKEN";
  auto orgs = app.add_subcommand("orgs", "Organizations (admin token)");
  orgs->require_subcommand(1);
  auto org_o = std::make_shared<setup_options>();
  auto create_org_cmd
    = orgs->add_subcommand("create", "Create an organization and its main");
  add_connection_flags(*create_org_cmd, org_o->connection, admin_env,
                       /*with_org=*/false);
  create_org_cmd->add_option("name", org_o->name, "Its name (a-z, 0-9, -)")
    ->required();
  choice.add(create_org_cmd, org_o->connection,
             [org_o] { return create_org(*org_o); });

  auto users = app.add_subcommand("users", "Users (admin token)");
  users->require_subcommand(1);
  auto user_o = std::make_shared<setup_options>();
  auto create_user_cmd = users->add_subcommand(
    "create", "Create a user and print its token, once");
  add_connection_flags(*create_user_cmd, user_o->connection, admin_env);
  create_user_cmd->add_option("name", user_o->name, "Its name (a-z, 0-9, -)")
    ->required();
  choice.add(create_user_cmd, user_o->connection,
             [user_o] { return create_user(*user_o); });
}

} // namespace downhill::cli
