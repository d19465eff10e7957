#include "cli/command.hpp"

#include "cli/exit_codes.hpp"
#include "cli/output.hpp"
#include "client/ws_client.hpp"

#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>

#include <iostream>

namespace downhill::cli {

void add_connection_flags(CLI::App& command, connection_options& options,
                          const std::string& token_env, bool with_org) {
  command.add_option("--server", options.server, "Server URL")
    ->envname("DOWNHILL_SERVER")
    ->capture_default_str();
  command.add_option("--token", options.token,
                     "Token (default: $" + token_env + ")")
    ->envname(token_env);
  if (with_org)
    command.add_option("--org", options.org,
                       "Organization (default: $DOWNHILL_ORG, else the "
                       "token's own)")
      ->envname("DOWNHILL_ORG");
  command.add_flag("--json", options.json, "Print JSON for scripts");
}

void command_choice::add(CLI::App* command, const connection_options& options,
                         std::function<int()> body) {
  entries_.push_back({command, &options, std::move(body)});
}

std::optional<int> command_choice::run() const {
  for (auto& e : entries_)
    if (e.command->parsed())
      return run_command(*e.options, e.body);
  return std::nullopt;
}

namespace {

int say(int code, const std::string& message) {
  std::cout.flush();
  std::cerr << "downhill: " << message << std::endl;
  return code;
}

bool never_connected(const boost::system::error_code& ec) {
  namespace error = boost::asio::error;
  return ec == error::connection_refused || ec == error::host_not_found
         || ec == error::host_not_found_try_again || ec == error::timed_out
         || ec == error::network_unreachable || ec == error::host_unreachable
         || ec == error::no_data;
}

} // namespace

int run_command(const connection_options& options,
                const std::function<int()>& body) {
  line_buffered_stdout();
  try {
    return body();
  } catch (const command_failure& e) {
    return say(e.code, e.what());
  } catch (const client::ws_refused& e) {
    auto failure = failure_of(e.status, e.body);
    return say(failure.code, failure.what());
  } catch (const boost::system::system_error& e) {
    // Boost's own text carries a source path; the code's message is enough.
    auto reason = e.code().message();
    if (never_connected(e.code()))
      return say(exit_code::unreachable, "cannot reach the server at "
                                           + options.server + " (" + reason
                                           + ")");
    return say(exit_code::unreachable, "lost the connection to the server at "
                                         + options.server + " (" + reason
                                         + ")");
  } catch (const nlohmann::json::exception&) {
    return say(exit_code::server_error,
               "the server at " + options.server
                 + " answered something that is not downhill's API");
  } catch (const std::exception& e) {
    return say(exit_code::run_failed, e.what());
  }
}

} // namespace downhill::cli
