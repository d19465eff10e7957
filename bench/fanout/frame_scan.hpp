// What the fan-out bench needs of a received event frame, read without a
// full JSON parse for the frequent log and progress frames (1,000 clients
// receive hundreds of thousands per second on the server's own machine).
#pragma once

#include <cstdint>
#include <string_view>

namespace downhill::bench {

struct scanned_frame {
  enum class kind { run, progress, log, other } type = kind::other;
  int64_t sent_us = -1;  // "sent_at" in Unix microseconds; -1 if absent
  int64_t run_id = 0;
  int64_t seq = 0;       // log frames
  bool final = false;    // a run frame whose run has ended
  int64_t total_logs = 0;  // run frames: the run's log lines so far
};

/// Reads a frame's send time and, for log and progress frames, its kind,
/// run and log number, without a JSON parse; any other frame is `other`.
scanned_frame scan_frame(std::string_view text);

/// A frame scan_frame left as `other`, parsed in full: a run frame's run,
/// status and total_logs (a few per run; every client gets the same
/// bytes, so a reader parses each once and remembers it).
void read_run_frame(std::string_view text, scanned_frame& f);

/// Unix microseconds of "YYYY-MM-DDTHH:MM:SS.uuuuuuZ"; -1 for any other
/// shape.
int64_t parse_time_us(std::string_view text);

} // namespace downhill::bench
