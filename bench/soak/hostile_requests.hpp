// Requests an attacker or a broken client sends: invalid UTF-8, JSON nested
// 10 000 deep, huge headers, broken chunked bodies, no token, another
// organization's token, garbage bytes, requests cut off half-way. The
// server must answer each with a 4xx (or close the connection) and stay up.
//
// A kind of request that kills the server is blamed by the soak's main
// thread when it sees the death; after `crash_limit` deaths that kind is
// left out, so one known crash does not turn the rest of the soak into a
// loop of restarts (it is reported each time it happened).
#pragma once

#include "api_caller.hpp"
#include "org_workload.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

namespace downhill::soak {

struct hostile_request {
  std::string name;
  std::string bytes;
  bool hang_up = false;          // the client vanishes after sending
  bool success_allowed = false;  // e.g. a search for invalid words: 200
  bool auth_test = false;        // only 401/403/404 are right
};

class hostile_requests {
public:
  hostile_requests(const api_caller& api, const org_workload& victim,
                   const org_workload& other, int crash_limit, unsigned seed);

  /// Sends the catalogue round-robin until `stop`.
  void run(const std::atomic<bool>& stop);

  /// Called by the main thread when the server died unexpectedly: the
  /// requests sent in the last moments before, most recent first, and
  /// blames the last one (it counts towards its crash limit).
  std::string blame_for_death();
  /// Kinds left out after killing the server `crash_limit` times.
  std::vector<std::string> retired() const;

private:
  void send_one(const hostile_request& r);

  const api_caller& api_;
  std::vector<hostile_request> catalogue_;
  int crash_limit_;
  std::mt19937 rng_;
  mutable std::mutex mutex_;
  struct sent { std::string name; std::chrono::steady_clock::time_point at; };
  std::vector<sent> recent_;  // the last few, oldest first
  std::map<std::string, int> deaths_;
};

} // namespace downhill::soak
