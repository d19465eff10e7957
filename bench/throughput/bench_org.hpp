// One organization of the throughput bench: `main` holding a few small
// entries and one child environment, `child`, made by a Create Environment
// job; and its unit of load, one Sync Environments job main -> child, run
// now and followed over the run's event stream until its final frame.
#pragma once

#include "client/endpoint.hpp"
#include "client/http_client.hpp"
#include "client/ws_client.hpp"

#include <string>

namespace downhill::bench {

/// One run as the client saw it.
struct sync_timing {
  double submit_ms = 0;       // POST sent until its 201 arrived
  double stream_open_ms = 0;  // 201 until the event stream's upgrade answered
  double end_to_end_ms = 0;   // POST sent until the run's final frame arrived
  double server_ms = 0;       // the run's own elapsed_ms (start to finish)
};

class bench_org {
public:
  /// Creates organization `name` and its user with the admin token, writes
  /// the entries into `main` and creates `child` from it. Throws, saying
  /// what, on any unexpected answer or a Create that does not succeed.
  static bench_org set_up(const client::endpoint& server,
                          const std::string& admin_token,
                          const std::string& name);

  /// An organization set up before (by set_up, or by hand the same way:
  /// `main` and `child`), used with its user's token.
  static bench_org existing(const client::endpoint& server,
                            const std::string& name, const std::string& token);

  /// Submits one sync main -> child and waits for the run to end. Throws
  /// unless the POST answered 201 and the run succeeded in time.
  sync_timing sync_once() const;

  const std::string& name() const { return name_; }
  /// The organization's user's token (for its event streams).
  const std::string& token() const { return token_; }

private:
  bench_org(client::endpoint server, std::string name, std::string token);

  /// POSTs `job` (one to run now) and follows its run to the end.
  sync_timing submit_and_follow(const client::json& job) const;
  /// The run's last `run` frame on its event stream (status neither
  /// queued nor running); throws if none comes before the deadline.
  client::json follow_to_end(client::ws_client& events,
                             const std::string& run_id) const;

  client::endpoint server_;
  std::string name_;
  std::string token_;
  client::http_client user_;
};

} // namespace downhill::bench
