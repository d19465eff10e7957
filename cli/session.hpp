// A client command's conversation with one server: where it is, the token,
// the organization, and the API's answers turned into results or into a
// command_failure with the exit code of cli/exit_codes.hpp.
#pragma once

#include "client/endpoint.hpp"
#include "client/http_client.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <stdexcept>
#include <string>

namespace downhill::cli {

using json = nlohmann::json;

/// How every client command finds its server (docs/cli.md).
struct connection_options {
  std::string server = "http://127.0.0.1:8080";  // --server, $DOWNHILL_SERVER
  std::string token;  // --token, $DOWNHILL_TOKEN (admin commands: $DOWNHILL_ADMIN_TOKEN)
  std::string org;    // --org, $DOWNHILL_ORG; else the token's own
  bool json = false;  // --json
};

/// Ends a command: the message goes to stderr after "downhill: ", the
/// code is its exit status.
struct command_failure : std::runtime_error {
  command_failure(int code, const std::string& message)
    : std::runtime_error(message), code(code) {}
  int code;
};

class session {
public:
  /// Throws command_failure (usage) for a malformed --server or no token.
  explicit session(const connection_options& options);

  /// --org, else the organization of the token (GET /api/v1/me).
  const std::string& org();
  /// "/api/v1/orgs/ORG".
  std::string org_path();

  /// The answer's body when its status is one of 2xx; otherwise throws
  /// command_failure saying what the server said.
  json get(const std::string& target);
  json post(const std::string& target, const json& body);
  json del(const std::string& target);

  const client::endpoint& server() const { return server_; }
  const std::string& token() const { return options_.token; }
  const connection_options& options() const { return options_; }

private:
  json checked(const client::response& answer);

  connection_options options_;
  client::endpoint server_;
  client::http_client api_;
  std::optional<std::string> org_;
};

/// The failure for an error answer: 4xx refused, else server_error, with
/// the API's code and message (and a hint for a refused token).
command_failure failure_of(int status, const json& body);

/// `text` percent-encoded for a path segment or a query value.
std::string url_part(const std::string& text);

} // namespace downhill::cli
