// The metrics downhill exports at GET /metrics (docs/operations.md lists
// them with their meaning). Each is updated in one line where its event
// happens: `metrics::server().frames_sent.get().inc();`.
#pragma once

#include "metrics/metrics.hpp"

namespace downhill::metrics {

struct server_metrics {
  server_metrics();

  registry all;
  /// Runs that reached a final status: labels type, status.
  family<counter> runs_finished;
  /// Seconds from a run's start to its end (runs that started).
  family<histogram> run_duration;
  /// Runs waiting to start, summed over every organization.
  family<gauge> runs_queued;
  /// Runs executing now, summed over every organization.
  family<gauge> runs_running;
  /// Seconds between a schedule's slot and the scheduler's firing.
  family<histogram> firing_lateness;
  /// Firings by outcome: started, queued, skipped, failed.
  family<counter> firings;
  /// Open WebSocket event streams.
  family<gauge> websocket_clients;
  /// Event frames written to WebSocket clients.
  family<counter> frames_sent;
  /// Event frames never sent: replaced by a newer progress frame, or
  /// thrown away when a slow client is disconnected.
  family<counter> frames_dropped;
  /// WebSocket clients disconnected for falling too far behind.
  family<counter> slow_clients_closed;
  /// Bytes written by environment copies (content databases and indexes).
  family<counter> bytes_copied;
  /// Seconds one control-plane transaction (a group commit) took.
  family<histogram> commit_latency;
  /// Answered HTTP requests: label code (its status class, "2xx".."5xx").
  family<counter> http_requests;
  /// Seconds from a request's headers to its answer being handed to the
  /// network.
  family<histogram> http_request_duration;
};

/// The process' metrics.
server_metrics& server();

} // namespace downhill::metrics
