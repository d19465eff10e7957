// downhill's command line: `downhill serve` runs the server.
#include "actors/core.hpp"
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

int serve(const std::string& data_dir, const std::string& listen,
          std::string admin_token) {
  downhill::http::server_options options;
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
  server.stop();
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
  serve_cmd->add_option("--data-dir", data_dir, "Where data lives")
    ->capture_default_str();
  serve_cmd->add_option("--listen", listen, "HOST:PORT to listen on")
    ->capture_default_str();
  serve_cmd->add_option("--admin-token", admin_token,
                        "Admin token (default: $DOWNHILL_ADMIN_TOKEN, or a "
                        "generated one printed at start)");
  CLI11_PARSE(app, argc, argv);
  try {
    if (*serve_cmd)
      return serve(data_dir, listen, admin_token);
  } catch (const std::exception& e) {
    std::cerr << "downhill: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
