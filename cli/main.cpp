// downhill's command line: `downhill serve` runs the server.
#include "actors/core.hpp"
#include "cli/jobs_run.hpp"
#include "http/server.hpp"
#include "persistence/tokens.hpp"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>

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

/// "50M" -> 52428800. Suffixes K, M, G are binary; none means bytes.
bool parse_rate(const std::string& text, int64_t& bytes) {
  if (text.empty())
    return false;
  int64_t unit = 1;
  auto digits = text;
  switch (text.back()) {
    case 'K': case 'k': unit = 1024; break;
    case 'M': case 'm': unit = 1024 * 1024; break;
    case 'G': case 'g': unit = 1024 * 1024 * 1024; break;
    default: break;
  }
  if (unit != 1)
    digits.pop_back();
  if (digits.empty()
      || digits.find_first_not_of("0123456789") != std::string::npos
      || digits.size() > 12)
    return false;
  bytes = std::stoll(digits) * unit;
  return true;
}

int serve(const std::string& data_dir, const std::string& listen,
          std::string admin_token, const std::string& copy_rate,
          const downhill::http::server_options& network) {
  auto options = network;
  if (!parse_listen(listen, options.host, options.port)) {
    std::cerr << "downhill: --listen must be HOST:PORT, e.g. 127.0.0.1:8080\n";
    return 2;
  }
  bool generated = false;
  if (admin_token.empty()) {
    if (auto env = std::getenv("DOWNHILL_ADMIN_TOKEN"); env && *env) {
      admin_token = env;
    } else {
      admin_token = downhill::persistence::generate_token();
      generated = true;
    }
  }
  options.admin_token = admin_token;
  downhill::core::options core_options;
  core_options.data_dir = data_dir;
  if (!copy_rate.empty()
      && !parse_rate(copy_rate, core_options.copy_bytes_per_second)) {
    std::cerr << "downhill: --copy-rate-limit must be bytes per second, "
                 "e.g. 52428800 or 50M\n";
    return 2;
  }
  std::filesystem::create_directories(data_dir);
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
  if (generated)
    std::cout << "admin token: " << admin_token << std::endl;
  std::cout << "downhill listening on http://" << options.host << ":" << port
            << " (API under /api/v1, data in " << data_dir << ")"
            << std::endl;
  server.wait_for_signal();
  std::cout << "downhill: stopping" << std::endl;
  // Stop accepting and finish the requests in flight, then let running
  // jobs reach a safe point: their targets keep their old data.
  server.stop();
  core.shutdown(std::chrono::seconds(30));
  std::cout << "downhill: stopped" << std::endl;
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"downhill: environment job orchestrator"};
  app.require_subcommand(1);
  auto serve_cmd = app.add_subcommand("serve", "Run the HTTP server");
  std::string data_dir = "./var";
  std::string listen = "127.0.0.1:8080";
  std::string admin_token;
  std::string copy_rate;
  serve_cmd->add_option("--data-dir", data_dir, "Where data lives")
    ->capture_default_str();
  serve_cmd->add_option("--listen", listen, "HOST:PORT to listen on")
    ->capture_default_str();
  serve_cmd->add_option("--admin-token", admin_token,
                        "Admin token (default: $DOWNHILL_ADMIN_TOKEN, or a "
                        "generated one printed at start)");
  serve_cmd->add_option("--copy-rate-limit", copy_rate,
                        "Pace of environment copies in bytes per second "
                        "(K, M, G suffixes; default: no limit)");
  downhill::http::server_options network;
  serve_cmd
    ->add_option("--max-connections", network.max_connections,
                 "Open connections in all (default: from the file "
                 "descriptor limit)");
  serve_cmd
    ->add_option("--max-connections-per-address",
                 network.max_connections_per_address,
                 "Open connections from one client address")
    ->capture_default_str();
  auto jobs_cmd = app.add_subcommand("jobs", "Work with environment jobs");
  jobs_cmd->require_subcommand(1);
  auto run_cmd = jobs_cmd->add_subcommand(
    "run", "Submit a job and follow it with a progress bar per task");
  downhill::cli::jobs_run_options run_options;
  run_cmd->add_option("--server", run_options.server, "Server URL")
    ->capture_default_str();
  run_cmd->add_option("--token", run_options.token, "A user's token")
    ->envname("DOWNHILL_TOKEN")
    ->required();
  run_cmd->add_option("--type", run_options.type, "Job type")
    ->check(CLI::IsMember({"sync_environments", "create_environment"}))
    ->capture_default_str();
  run_cmd->add_option("--name", run_options.name, "Job name")->required();
  run_cmd->add_option("--base", run_options.base, "Base environment")
    ->required();
  run_cmd->add_option("--target", run_options.target,
                      "Target environment (sync) or new alias (create)")
    ->required();
  run_cmd->add_option("--display-name", run_options.display_name,
                      "Display name of a new environment");
  CLI11_PARSE(app, argc, argv);
  try {
    if (*serve_cmd)
      return serve(data_dir, listen, admin_token, copy_rate, network);
    if (*run_cmd)
      return downhill::cli::jobs_run(run_options);
  } catch (const std::exception& e) {
    std::cerr << "downhill: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
