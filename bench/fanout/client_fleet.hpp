// N WebSocket clients of one event stream, all on a couple of io_context
// threads (never a thread per client: the bench must not be the
// bottleneck). Each client records, per frame, its delivery delay (receive
// time minus the frame's sent_at) and which log lines of which run it got.
#pragma once

#include "client/endpoint.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace downhill::bench {

/// What one client saw of one run.
struct run_seen {
  std::vector<bool> seqs;  // [seq] received
  int64_t distinct = 0;    // log lines received, each counted once
  int64_t duplicates = 0;
  bool final = false;      // got the run's final frame
};

/// What one client saw in all.
struct client_tally {
  uint64_t frames = 0;
  uint64_t without_sent_at = 0;
  std::vector<float> delay_ms;  // one per frame
  std::map<int64_t, run_seen> runs;
  bool closed = false;          // by the server (or the connection broke)
  int close_code = 0;
  std::string close_reason;
};

class client_fleet {
public:
  /// Opens `clients` streams on `target` with `token`, spread over
  /// `threads` io_context threads; returns once every handshake answered.
  /// Throws if any fails, or not all are open within `deadline`.
  client_fleet(client::endpoint server, const std::string& target,
               const std::string& token, size_t clients, unsigned threads,
               std::chrono::seconds deadline);
  ~client_fleet();

  client_fleet(const client_fleet&) = delete;
  client_fleet& operator=(const client_fleet&) = delete;

  /// Frames received by all clients together, so far (any thread).
  uint64_t deliveries() const { return deliveries_.load(); }
  /// Final run frames received by all clients together, so far.
  uint64_t finals() const { return finals_.load(); }
  /// Clients closed by the server so far.
  uint64_t closed() const { return closed_.load(); }

  /// Stops every client; their tallies are then stable.
  void stop();
  /// Valid after stop().
  const std::vector<client_tally>& tallies() const { return tallies_; }

private:
  struct impl;
  std::unique_ptr<impl> impl_;
  std::atomic<uint64_t> deliveries_{0};
  std::atomic<uint64_t> finals_{0};
  std::atomic<uint64_t> closed_{0};
  std::vector<client_tally> tallies_;
};

} // namespace downhill::bench
