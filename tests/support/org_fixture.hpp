// A running server with one organization ("acme") and one user ("alice"),
// and the calls tests make again and again.
#pragma once

#include "http_client.hpp"
#include "server_process.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace downhill::testing {

class org_fixture {
public:
  /// `server_args`: extra `downhill serve` flags.
  explicit org_fixture(std::vector<std::string> server_args = {});

  server_process server;
  http_client admin;
  http_client alice;
  const std::string org = "acme";

  std::string org_path() const { return "/api/v1/orgs/" + org; }
  const std::string& alice_token() const { return alice_token_; }
  /// After the server restarted (on a new port): point the clients at it.
  void reconnect() {
    admin = admin.with_port(server.port());
    alice = alice.with_port(server.port());
  }
  std::string env_path(const std::string& env) const {
    return org_path() + "/environments/" + env;
  }

  /// PUT an entry and require 200.
  json put_entry(const std::string& env, const std::string& id,
                 const std::string& title, const std::string& body);

  response submit_create(const std::string& base, const std::string& alias,
                         const std::string& display_name = "");
  response submit_sync(const std::string& base, const std::string& target);

  /// Polls the run until it ends (or the deadline passes: test failure).
  json wait_for_run(const std::string& run_id,
                    std::chrono::seconds deadline = std::chrono::seconds(60));
  /// Submits a Create and waits for it to succeed.
  void create_environment(const std::string& base, const std::string& alias);
  /// Submits a Sync and waits for it to end; returns the final run.
  json sync_and_wait(const std::string& base, const std::string& target);

  /// Every entry of an environment, following `next`.
  std::vector<json> all_entries(const std::string& env);
  /// The organization's environments, as listed.
  json environments();
  /// Everything the API shows of an environment, for "unchanged" checks.
  json environment_state(const std::string& env);
  /// Every environment's state and the number of runs.
  json organization_state();
  std::string alice_token_;
  /// All logs of a run.
  std::vector<json> all_logs(const std::string& run_id);
  /// The run's summary now.
  json get_run(const std::string& run_id);
  /// Polls until the run's database task reports at least `percent`.
  json wait_for_progress(const std::string& run_id, int percent);
  /// Writes `count` entries of about `bytes` each (ids PREFIX-0...), with
  /// searchable words and the word TOKEN<i> in each body.
  void fill(const std::string& env, const std::string& prefix, int count,
            size_t bytes);
};

} // namespace downhill::testing
