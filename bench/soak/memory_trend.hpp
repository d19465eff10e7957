// The server's resident memory (VmRSS) sampled after each round of load,
// and the rule that flags growth (see docs/soak.md, "Memory").
#pragma once

#include "tally.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace downhill::soak {

class memory_trend {
public:
  /// One sample at the end of round `round`, from the server started
  /// `incarnation`-th; `rss_kib` < 0 when no server ran at that moment.
  void sample(int round, int incarnation, double at_seconds, int64_t rss_kib);

  /// Within each run of one server process (a kill starts a fresh heap, so
  /// samples of different processes do not compare), the first round is
  /// warm-up; the last round must not exceed the first steady round by more
  /// than 50% + 20 MiB. Processes with fewer than two steady rounds are not
  /// judged (said in the series).
  void judge(tally& counts) const;

  /// The samples, grouped by server process, for the report.
  std::string series() const;

private:
  struct point {
    int round;
    int incarnation;
    double at;
    int64_t kib;
  };
  std::vector<std::vector<point>> by_incarnation() const;

  std::vector<point> points_;
};

} // namespace downhill::soak
