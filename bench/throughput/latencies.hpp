// A list of latencies reduced to the few numbers the report prints.
#pragma once

#include <cstddef>
#include <vector>

namespace downhill::bench {

struct latency_summary {
  size_t count = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
};

/// Nearest-rank percentiles (an observed value, never an interpolation);
/// all zero for an empty list.
latency_summary summarize(std::vector<double> ms);

} // namespace downhill::bench
