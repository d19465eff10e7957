#include "metrics/server_metrics.hpp"

namespace downhill::metrics {

namespace {

// Run lengths: a small sync takes milliseconds, a large copy minutes.
const std::vector<double> run_seconds{0.01, 0.05, 0.1, 0.25, 0.5, 1,  2.5,
                                      5,    10,   30,  60,   300, 900, 3600};
// Lateness and commits: well under a second when healthy.
const std::vector<double> short_seconds{0.001, 0.0025, 0.005, 0.01, 0.025,
                                        0.05,  0.1,    0.25,  0.5,  1,
                                        2.5,   5,      10,    60};

} // namespace

server_metrics::server_metrics()
  : runs_finished("downhill_runs_finished_total",
                  "Runs that reached a final status, by job type and status.",
                  {"type", "status"}),
    run_duration("downhill_run_duration_seconds",
                 "Seconds from a run's start to its final status.", {},
                 run_seconds),
    runs_queued("downhill_runs_queued",
                "Runs waiting to start, summed over all organizations."),
    runs_running("downhill_runs_running",
                 "Runs executing now, summed over all organizations."),
    firing_lateness("downhill_schedule_firing_lateness_seconds",
                    "Seconds between a recurring job's slot and its firing.",
                    {}, short_seconds),
    firings("downhill_schedule_firings_total",
            "Recurring-job firings by outcome (started, queued, skipped, "
            "failed).",
            {"outcome"}),
    websocket_clients("downhill_websocket_clients",
                      "Open WebSocket event streams."),
    frames_sent("downhill_websocket_frames_sent_total",
                "Event frames written to WebSocket clients."),
    frames_dropped("downhill_websocket_frames_dropped_total",
                   "Event frames not sent: superseded progress frames, and "
                   "frames discarded when a slow client is disconnected."),
    slow_clients_closed("downhill_websocket_slow_clients_closed_total",
                        "WebSocket clients disconnected for falling too far "
                        "behind."),
    bytes_copied("downhill_copy_bytes_total",
                 "Bytes written by environment copies (databases and "
                 "indexes)."),
    commit_latency("downhill_control_plane_commit_seconds",
                   "Seconds one control-plane transaction (group commit) "
                   "took.",
                   {}, short_seconds),
    http_requests("downhill_http_requests_total",
                  "Answered HTTP requests by status class.", {"code"}),
    http_request_duration("downhill_http_request_duration_seconds",
                          "Seconds from a request's headers to its answer.",
                          {}, short_seconds) {
  for (family_base* f :
       std::initializer_list<family_base*>{
         &runs_finished, &run_duration, &runs_queued, &runs_running,
         &firing_lateness, &firings, &websocket_clients, &frames_sent,
         &frames_dropped, &slow_clients_closed, &bytes_copied,
         &commit_latency, &http_requests, &http_request_duration})
    all.add(*f);
  // Every child of a fixed label set shows from the start (as 0), so a
  // rate over it has a first sample.
  for (auto type : {"sync_environments", "create_environment"})
    for (auto status : {"succeeded", "failed", "cancelled", "interrupted"})
      runs_finished.with({type, status});
  for (auto outcome : {"started", "queued", "skipped", "failed"})
    firings.with({outcome});
  for (auto code : {"2xx", "3xx", "4xx", "5xx"})
    http_requests.with({code});
}

server_metrics& server() {
  // Never destroyed: threads that outlive main (CAF's, the network's) may
  // still count during static destruction.
  static server_metrics* instance = new server_metrics;
  return *instance;
}

} // namespace downhill::metrics
