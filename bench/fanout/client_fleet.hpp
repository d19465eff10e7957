// N WebSocket clients of one event stream, read by a couple of epoll
// threads over plain non-blocking sockets (never a thread per client, and
// no Beast per frame: with 1,000 clients on the server's own machine the
// bench must not be the bottleneck). Each client reads many frames per
// system call, finds each frame's sent_at without a JSON parse, records
// its delivery delay (receive time minus sent_at) and checks that it got
// every log line of every run, once and in order.
#pragma once

#include "client/endpoint.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace downhill::bench {

/// What one client saw of one run.
struct run_seen {
  int64_t run_id = 0;
  int64_t last_seq = 0;      // of the last log line received
  int64_t distinct = 0;      // log lines received, each counted once
  int64_t duplicates = 0;    // a line at or below last_seq
  int64_t gaps = 0;          // a line beyond last_seq + 1
  bool final = false;        // got the run's final frame
  int64_t total_logs = -1;   // the final frame's count of log lines
};

/// What one client saw in all.
struct client_tally {
  uint64_t frames = 0;
  uint64_t without_sent_at = 0;
  std::vector<run_seen> runs;  // in the order their first frame came
  bool closed = false;         // by the server (or the connection broke)
  int close_code = 0;
  std::string close_reason;

  /// The run's entry, made on its first frame.
  run_seen& run(int64_t run_id);
  const run_seen* find(int64_t run_id) const;
};

class client_fleet {
public:
  /// Opens `clients` streams on `target` with `token` (at most 16
  /// upgrades at a time, as the organization's fair share allows), read
  /// by `threads` epoll threads; returns once every upgrade answered.
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
  /// Every frame's delivery delay at every client, in ms; after stop().
  std::vector<double> delays_ms() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
  std::atomic<uint64_t> deliveries_{0};
  std::atomic<uint64_t> finals_{0};
  std::atomic<uint64_t> closed_{0};
  std::vector<client_tally> tallies_;
};

} // namespace downhill::bench
