#include "memory_trend.hpp"

#include <cstdio>
#include <map>

namespace downhill::soak {

namespace {

constexpr double growth_factor = 1.5;
constexpr int64_t growth_allowance_kib = 20 * 1024;

std::string mib(int64_t kib) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(kib) / 1024.0);
  return buf;
}

} // namespace

void memory_trend::sample(int round, int incarnation, double at_seconds,
                          int64_t rss_kib) {
  if (rss_kib > 0)
    points_.push_back({round, incarnation, at_seconds, rss_kib});
}

std::vector<std::vector<memory_trend::point>>
memory_trend::by_incarnation() const {
  std::map<int, std::vector<point>> groups;
  for (auto& p : points_)
    groups[p.incarnation].push_back(p);
  std::vector<std::vector<point>> result;
  for (auto& [incarnation, points] : groups)
    result.push_back(points);
  return result;
}

void memory_trend::judge(tally& counts) const {
  for (auto& points : by_incarnation()) {
    if (points.size() < 3)
      continue;  // warm-up plus fewer than two steady rounds: no trend
    counts.checked("server RSS does not grow across rounds");
    auto& first_steady = points[1];
    auto& last = points.back();
    auto limit = static_cast<int64_t>(first_steady.kib * growth_factor)
                 + growth_allowance_kib;
    if (last.kib > limit)
      counts.violation("server RSS grew from " + mib(first_steady.kib)
                       + " MiB (round " + std::to_string(first_steady.round)
                       + ") to " + mib(last.kib) + " MiB (round "
                       + std::to_string(last.round) + ") in server process "
                       + std::to_string(last.incarnation) + ", over the limit of "
                       + mib(limit) + " MiB");
  }
}

std::string memory_trend::series() const {
  std::string out = "server RSS (MiB) after each round, by server process:\n";
  for (auto& points : by_incarnation()) {
    out += "  process " + std::to_string(points.front().incarnation) + ":";
    for (auto& p : points)
      out += " r" + std::to_string(p.round) + "=" + mib(p.kib);
    if (points.size() < 3)
      out += "  (too few rounds to judge a trend)";
    out += "\n";
  }
  return out;
}

} // namespace downhill::soak
