#include "throughput/latencies.hpp"

#include <algorithm>
#include <cmath>

namespace downhill::bench {

latency_summary summarize(std::vector<double> ms) {
  latency_summary s;
  s.count = ms.size();
  if (ms.empty())
    return s;
  std::sort(ms.begin(), ms.end());
  auto rank = [&](double p) {
    auto n = static_cast<size_t>(std::ceil(p * static_cast<double>(ms.size())));
    return ms[std::clamp<size_t>(n, 1, ms.size()) - 1];
  };
  s.p50_ms = rank(0.50);
  s.p99_ms = rank(0.99);
  s.max_ms = ms.back();
  return s;
}

} // namespace downhill::bench
