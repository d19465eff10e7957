// People watching runs: WebSocket clients of the organization and run
// event streams that connect, read a little (or stall), and vanish
// mid-stream. Every frame they get must be a JSON event the API documents.
#pragma once

#include "api_caller.hpp"
#include "org_workload.hpp"

#include <atomic>
#include <memory>
#include <random>
#include <vector>

namespace downhill::soak {

class event_watchers {
public:
  event_watchers(const api_caller& api,
                 const std::vector<std::unique_ptr<org_workload>>& orgs,
                 unsigned seed)
    : api_(api), orgs_(orgs), rng_(seed) {}

  /// Watches and vanishes until `stop`.
  void run(const std::atomic<bool>& stop);

private:
  void watch_once();
  /// A violation unless `text` is a JSON object of a documented type.
  void check_frame(const std::string& org, const std::string& text);

  const api_caller& api_;
  const std::vector<std::unique_ptr<org_workload>>& orgs_;
  std::mt19937 rng_;
};

} // namespace downhill::soak
