// Requests to whichever server runs now. The port changes at every restart,
// so every call asks the supervisor for it; while no server runs, a call
// waits (bounded) for the next one instead of failing at once.
#pragma once

#include "server_supervisor.hpp"
#include "tally.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <initializer_list>
#include <string>

namespace downhill::soak {

using json = nlohmann::json;

struct answer {
  int status = 0;  // 0: no answer (refused, cut, the server died)
  std::string body;
  /// The body as JSON; null if it is not JSON.
  json data() const;
  bool answered() const { return status != 0; }
};

class api_caller {
public:
  api_caller(server_supervisor& server, tally& counts)
    : server_(server), counts_(counts) {}

  /// One request, counted under `what`.
  answer call(const std::string& what, const std::string& method,
              const std::string& target, const std::string& token,
              const std::string& body = "") const;
  /// Repeats the request while it gets no answer (or 503, which the API
  /// documents as "try again") until `deadline`: for set-up and final
  /// checks, which must get through restarts.
  answer call_until_answered(const std::string& what,
                             const std::string& method,
                             const std::string& target,
                             const std::string& token,
                             const std::string& body = "",
                             std::chrono::seconds deadline
                             = std::chrono::seconds(60)) const;

  /// A violation unless the answer is one of `allowed` (or none came, or
  /// 503). `doing` says what was asked, for the message. Returns whether
  /// the answer was allowed.
  bool expect(const answer& a, std::initializer_list<int> allowed,
              const std::string& doing) const;

  /// Blocks until a server runs (deadline); false if none came.
  bool wait_for_server(std::chrono::milliseconds deadline) const;

  tally& counts() const { return counts_; }
  server_supervisor& server() const { return server_; }

private:
  server_supervisor& server_;
  tally& counts_;
};

} // namespace downhill::soak
