// One histogram of the server's GET /metrics (Prometheus text format), read
// twice to see what happened in between: how many observations, their mean,
// and a percentile as the upper bound of the bucket it falls in (a bench
// reads the server's own view this way, e.g. the control-plane writer's
// commit times, which the API does not show).
#pragma once

#include <cstdint>
#include <map>
#include <sstream>
#include <string>

namespace downhill::bench {

struct metrics_histogram {
  std::map<double, double> buckets;  // le -> cumulative count
  double count = 0;
  double sum = 0;

  /// `name` (without _bucket/_sum/_count) from a /metrics body; empty if
  /// the body has no such histogram. Label sets other than `le` are summed.
  static metrics_histogram read(const std::string& text,
                                const std::string& name) {
    metrics_histogram h;
    std::istringstream lines{text};
    std::string line;
    while (std::getline(lines, line)) {
      if (line.empty() || line[0] == '#')
        continue;
      auto space = line.rfind(' ');
      if (space == std::string::npos)
        continue;
      auto value = std::stod(line.substr(space + 1));
      auto key = line.substr(0, space);
      if (key.rfind(name + "_bucket{", 0) == 0) {
        auto le = key.find("le=\"");
        if (le == std::string::npos)
          continue;
        auto bound = key.substr(le + 4, key.find('"', le + 4) - le - 4);
        h.buckets[bound == "+Inf" ? 1e300 : std::stod(bound)] += value;
      } else if (key == name + "_count") {
        h.count += value;
      } else if (key == name + "_sum") {
        h.sum += value;
      }
    }
    return h;
  }

  /// What was observed after `before` was read.
  metrics_histogram since(const metrics_histogram& before) const {
    auto d = *this;
    for (auto& [le, n] : d.buckets) {
      auto i = before.buckets.find(le);
      if (i != before.buckets.end())
        n -= i->second;
    }
    d.count -= before.count;
    d.sum -= before.sum;
    return d;
  }

  /// The upper bound of the bucket holding the `p` quantile (1e300: above
  /// the last finite bound; 0: nothing observed).
  double quantile_bound(double p) const {
    if (count <= 0)
      return 0;
    for (auto& [le, n] : buckets)
      if (n >= p * count)
        return le;
    return 1e300;
  }

  double mean() const { return count > 0 ? sum / count : 0; }
};

} // namespace downhill::bench
