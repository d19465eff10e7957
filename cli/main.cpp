// downhill's command line: `downhill serve` runs the server, `downhill
// admin-token rotate` replaces its stored admin token; the client commands
// (`jobs run`, `runs ...`, `recurring ...`, `orgs create`, `users create`)
// talk to a server (docs/cli.md).
#include "actors/core.hpp"
#include "actors/server_log.hpp"
#include "cli/admin_token.hpp"
#include "cli/jobs_run.hpp"
#include "cli/recurring.hpp"
#include "cli/runs.hpp"
#include "cli/setup.hpp"
#include "http/server.hpp"
#include "http/version.hpp"
#include "persistence/admin_token_store.hpp"
#include "persistence/data_dir_lock.hpp"

#include <CLI/CLI.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <iostream>
#include <memory>

namespace {

/// "HOST:PORT" -> host and port; false if malformed.
bool parse_listen(const std::string& text, std::string& host, uint16_t& port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return false;
  host = text.substr(0, colon);
  try {
    auto value = std::stoul(text.substr(colon + 1));
    if (value > 65535)
      return false;
    port = static_cast<uint16_t>(value);
  } catch (...) {
    return false;
  }
  return true;
}

/// `downhill serve`'s flags, as given.
struct serve_flags {
  std::string data_dir = "./var";
  std::string listen = "127.0.0.1:8080";
  bool admin_token_given = false;
  std::string admin_token;
  std::string admin_token_file;
  int64_t copy_bytes_per_second = 0;  // 0: no limit
  size_t max_store_files = 1024;      // descriptors of open content stores
  size_t copy_threads = 0;            // 0: from the core count
  size_t step_threads = 0;            // 0: from the core count
  std::string log_format = "text";
  std::string log_level = "info";
  downhill::http::server_options network;  // connection limits
};

/// Creates the data directory if needed and locks it against a second
/// server (persistence::data_dir_lock throws data_dir_in_use). The lock
/// comes before anything else touches the directory.
std::unique_ptr<downhill::persistence::data_dir_lock>
claim_data_dir(const std::filesystem::path& dir) {
  // Every file and directory this process creates is its owner's only
  // (0600, 0700): the directory holds every organization's content and the
  // token hashes. SQLite's files get the mode through the umask too.
  umask(077);
  std::filesystem::create_directories(dir);
  auto lock = std::make_unique<downhill::persistence::data_dir_lock>(dir);
  // A directory made by an older version (0755) becomes private as well;
  // then nothing inside it can be reached by others, whatever its own mode.
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace);
  return lock;
}

void print_admin_token(const downhill::cli::admin_token& admin,
                       const std::string& data_dir) {
  using origin = downhill::cli::admin_token::origin;
  auto file = (std::filesystem::path{data_dir}
               / downhill::persistence::admin_token_hash_file_name)
                .string();
  auto rotate = "`downhill admin-token rotate --data-dir " + data_dir + "`";
  if (admin.from == origin::generated)
    std::cout << "admin token: " << admin.token << "\n"
              << "  generated now and shown only this once; its hash is kept "
                 "in "
              << file << ", so it stays valid across restarts until "
              << rotate << std::endl;
  else if (admin.from == origin::stored)
    std::cout << "admin token: the one generated at an earlier start (only "
                 "its hash is kept, in "
              << file << "; " << rotate << " makes a new one)" << std::endl;
}

int serve(const serve_flags& flags) {
  auto options = flags.network;
  if (!parse_listen(flags.listen, options.host, options.port)) {
    std::cerr << "downhill: --listen must be HOST:PORT, e.g. 127.0.0.1:8080\n";
    return 2;
  }
  // Checked by CLI11 (IsMember): both parse.
  downhill::set_log_format(*downhill::parse_log_format(flags.log_format));
  downhill::set_log_level(*downhill::parse_log_level(flags.log_level));
  downhill::core::options core_options;
  core_options.data_dir = flags.data_dir;
  core_options.copy_bytes_per_second = flags.copy_bytes_per_second;
  core_options.max_store_files = flags.max_store_files;
  core_options.copy_threads = flags.copy_threads;
  core_options.step_threads = flags.step_threads;
  // Checked before the data directory is touched: a refused token leaves
  // no trace.
  auto given = downhill::cli::operator_admin_token(
    flags.admin_token_given, flags.admin_token, flags.admin_token_file);
  if (given && given->from == downhill::cli::admin_token::origin::flag)
    std::cerr << "downhill: note: --admin-token shows in the process list "
                 "to every user of this machine; prefer --admin-token-file "
                 "or $DOWNHILL_ADMIN_TOKEN\n";
  auto lock = claim_data_dir(flags.data_dir);
  auto admin = given ? *given : downhill::cli::kept_admin_token(flags.data_dir);
  options.admin_token_hash = admin.hash;
  downhill::core core{core_options};
  auto& recovered = core.recovery();
  if (recovered.interrupted_runs + recovered.removed_environments
        + recovered.removed_directories
      > 0)
    std::cout << "recovered: " << recovered.interrupted_runs
              << " interrupted run(s), " << recovered.removed_environments
              << " unfinished environment(s) removed, "
              << recovered.removed_directories
              << " leftover directorie(s) removed" << std::endl;
  downhill::http::server server{core, options};
  auto port = server.start();
  print_admin_token(admin, flags.data_dir);
  auto data_dir = std::filesystem::absolute(flags.data_dir).lexically_normal();
  std::cout << "downhill " << downhill::version() << " listening on http://"
            << options.host << ":" << port
            << " (API under /api/v1, data in " << data_dir.string() << ")"
            << std::endl;
  downhill::log_event(downhill::log_level::info, "listening",
                      {{"version", downhill::version()},
                       {"address", options.host + ":" + std::to_string(port)},
                       {"data_dir", data_dir.string()}});
  server.wait_for_signal();
  std::cout << "downhill: stopping" << std::endl;
  // Stop accepting and finish the requests in flight, then let running
  // jobs reach a safe point: their targets keep their old data.
  server.stop();
  core.shutdown(std::chrono::seconds(30));
  std::cout << "downhill: stopped" << std::endl;
  return 0;
}

/// `downhill admin-token rotate`: the server must be stopped (the lock
/// says so), since a running one keeps the hash it read at start.
int rotate_admin_token(const std::string& data_dir) {
  auto lock = claim_data_dir(data_dir);
  auto token = downhill::cli::rotate_admin_token(data_dir);
  std::cout << "admin token: " << token << "\n"
            << "  the previous one no longer works; the next `downhill "
               "serve --data-dir "
            << data_dir
            << "` accepts this one (unless it is given a token by "
               "--admin-token, --admin-token-file or $DOWNHILL_ADMIN_TOKEN)"
            << std::endl;
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"downhill: environment job orchestrator"};
  app.set_version_flag("--version", std::string{"downhill "} + downhill::version());
  app.require_subcommand(1);
  auto serve_cmd = app.add_subcommand("serve", "Run the HTTP server");
  serve_flags flags;
  // Every flag of `serve` may come from the environment instead
  // (DOWNHILL_<FLAG>, e.g. for a systemd EnvironmentFile); a flag on the
  // command line wins. --admin-token reads $DOWNHILL_ADMIN_TOKEN itself.
  serve_cmd->add_option("--data-dir", flags.data_dir, "Where data lives")
    ->envname("DOWNHILL_DATA_DIR")
    ->capture_default_str();
  serve_cmd->add_option("--listen", flags.listen, "HOST:PORT to listen on")
    ->envname("DOWNHILL_LISTEN")
    ->capture_default_str();
  auto admin_token_opt = serve_cmd->add_option(
    "--admin-token", flags.admin_token,
    "Admin token, at least 32 characters (visible in the process list: "
    "prefer --admin-token-file)");
  serve_cmd->add_option("--admin-token-file", flags.admin_token_file,
                        "File whose first line is the admin token (default: "
                        "$DOWNHILL_ADMIN_TOKEN, else the token generated at "
                        "the first start, kept as a hash in the data "
                        "directory)")
    ->envname("DOWNHILL_ADMIN_TOKEN_FILE");
  serve_cmd
    ->add_option("--copy-rate-limit", flags.copy_bytes_per_second,
                 "Pace of environment copies in bytes per second (K, M, G, "
                 "T suffixes, binary; default: no limit)")
    ->envname("DOWNHILL_COPY_RATE_LIMIT")
    ->transform(CLI::AsSizeValue(/*kb_is_1000=*/false))
    ->check(CLI::Range(int64_t{0}, INT64_MAX));
  serve_cmd
    ->add_option("--max-connections", flags.network.max_connections,
                 "Open connections in all (default: from the file "
                 "descriptor limit)")
    ->envname("DOWNHILL_MAX_CONNECTIONS");
  serve_cmd
    ->add_option("--max-connections-per-address",
                 flags.network.max_connections_per_address,
                 "Open connections from one client address")
    ->envname("DOWNHILL_MAX_CONNECTIONS_PER_ADDRESS")
    ->capture_default_str()
    ->check(CLI::PositiveNumber);
  serve_cmd->add_option("--max-open-files", flags.network.max_open_files,
                        "File descriptor limit to run with (default: the "
                        "hard limit)")
    ->envname("DOWNHILL_MAX_OPEN_FILES");
  serve_cmd
    ->add_option("--log-format", flags.log_format,
                 "The server log on stderr: text, or json (one object a "
                 "line)")
    ->envname("DOWNHILL_LOG_FORMAT")
    ->check(CLI::IsMember({"text", "json"}))
    ->capture_default_str();
  serve_cmd
    ->add_option("--log-level", flags.log_level,
                 "The lowest level logged: debug, info, warning, error")
    ->envname("DOWNHILL_LOG_LEVEL")
    ->check(CLI::IsMember({"debug", "info", "warning", "error"}))
    ->capture_default_str();
  serve_cmd
    ->add_option("--max-store-files", flags.max_store_files,
                 "File descriptors all open content stores together may "
                 "hold; each holds 7, the least recently used idle one is "
                 "closed first")
    ->envname("DOWNHILL_MAX_STORE_FILES")
    ->capture_default_str()
    ->check(CLI::Range(size_t{7}, size_t{1} << 24));
  serve_cmd
    ->add_option("--copy-threads", flags.copy_threads,
                 "Threads copying environments for runs, all organizations "
                 "together, for small copies and as many again for long "
                 "ones (default: 2 per core, at least 2)")
    ->envname("DOWNHILL_COPY_THREADS")
    ->check(CLI::Range(size_t{1}, size_t{4096}));
  serve_cmd
    ->add_option("--step-threads", flags.step_threads,
                 "Threads for runs' commit and discard steps (default: 8 "
                 "per core, at least 8)")
    ->envname("DOWNHILL_STEP_THREADS")
    ->check(CLI::Range(size_t{1}, size_t{4096}));
  auto admin_cmd
    = app.add_subcommand("admin-token", "Manage the stored admin token");
  admin_cmd->require_subcommand(1);
  auto rotate_cmd = admin_cmd->add_subcommand(
    "rotate", "Print a new admin token and invalidate the old one (stop the "
              "server first)");
  std::string rotate_data_dir = "./var";
  rotate_cmd->add_option("--data-dir", rotate_data_dir, "Where data lives")
    ->capture_default_str();
  // The client commands (docs/cli.md), each group in its own file.
  downhill::cli::command_choice client_command;
  downhill::cli::add_jobs_commands(app, client_command);
  downhill::cli::add_runs_commands(app, client_command);
  downhill::cli::add_recurring_commands(app, client_command);
  downhill::cli::add_setup_commands(app, client_command);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help exits 0; every mistake in the flags 2 (docs/operations.md).
    return app.exit(e) == 0 ? 0 : 2;
  }
  flags.admin_token_given = admin_token_opt->count() > 0;
  try {
    if (*serve_cmd)
      return serve(flags);
    if (*rotate_cmd)
      return rotate_admin_token(rotate_data_dir);
    if (auto code = client_command.run())
      return *code;
  } catch (const downhill::cli::usage_error& e) {
    std::cerr << "downhill: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "downhill: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
