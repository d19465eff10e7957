#include "metrics/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace downhill::metrics {

namespace {

/// Label values and help texts escaped as the text format asks.
std::string escape(const std::string& text, bool quote_too) {
  std::string out;
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && quote_too)
      out += "\\\"";
    else
      out += c;
  }
  return out;
}

const char* type_name(kind k) {
  switch (k) {
  case kind::counter:
    return "counter";
  case kind::gauge:
    return "gauge";
  case kind::histogram:
    return "histogram";
  }
  return "untyped";
}

/// `labels` ("a=\"x\"") with one more pair, in braces; "" for none.
std::string braces(const std::string& labels, const std::string& extra = "") {
  std::string inside = labels;
  if (!extra.empty())
    inside += (inside.empty() ? "" : ",") + extra;
  return inside.empty() ? "" : "{" + inside + "}";
}

} // namespace

std::string format_number(double value) {
  if (std::isinf(value))
    return value > 0 ? "+Inf" : "-Inf";
  if (std::isnan(value))
    return "NaN";
  char text[32];
  if (value == std::floor(value) && std::fabs(value) < 1e15)
    std::snprintf(text, sizeof(text), "%.0f", value);
  else
    std::snprintf(text, sizeof(text), "%.9g", value);
  return text;
}

histogram::histogram(std::vector<double> upper_bounds)
  : bounds_(std::move(upper_bounds)),
    buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  if (!std::is_sorted(bounds_.begin(), bounds_.end()))
    throw std::invalid_argument("histogram bounds must ascend");
  for (size_t i = 0; i <= bounds_.size(); ++i)
    buckets_[i].store(0, std::memory_order_relaxed);
}

void histogram::observe(double value) noexcept {
  // Prometheus' buckets are "less than or equal to" their bound.
  auto i = std::lower_bound(bounds_.begin(), bounds_.end(), value)
           - bounds_.begin();
  buckets_[static_cast<size_t>(i)].fetch_add(1, std::memory_order_relaxed);
  // C++17 has no fetch_add for atomic<double>.
  auto sum = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(sum, sum + value,
                                     std::memory_order_relaxed))
    ;
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<uint64_t> histogram::bucket_counts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = buckets_[i].load(std::memory_order_relaxed);
  return out;
}

uint64_t histogram::count() const noexcept {
  return count_.load(std::memory_order_relaxed);
}

double histogram::sum() const noexcept {
  return sum_.load(std::memory_order_relaxed);
}

family_base::family_base(std::string name, std::string help, kind k,
                         std::vector<std::string> label_names)
  : name_(std::move(name)), help_(std::move(help)), kind_(k),
    label_names_(std::move(label_names)) {
}

void family_base::render(std::string& out) const {
  out += "# HELP " + name_ + " " + escape(help_, false) + "\n";
  out += "# TYPE " + name_ + " " + type_name(kind_) + "\n";
  std::lock_guard<std::mutex> lock{mutex_};
  for (auto& [values, child] : children_) {
    std::string labels;
    for (size_t i = 0; i < values.size(); ++i)
      labels += (i ? "," : "") + label_names_[i] + "=\""
                + escape(values[i], true) + "\"";
    render_child(out, labels, child.get());
  }
}

template <class Metric>
family<Metric>::family(std::string name, std::string help,
                       std::vector<std::string> label_names,
                       std::vector<double> upper_bounds)
  : family_base(std::move(name), std::move(help),
                std::is_same_v<Metric, counter> ? kind::counter
                : std::is_same_v<Metric, gauge> ? kind::gauge
                                                : kind::histogram,
                std::move(label_names)),
    bounds_(std::move(upper_bounds)) {
  // A family without labels shows its one sample (0) from the start.
  if (label_names_.empty())
    children_.emplace(std::vector<std::string>{}, make());
}

template <class Metric>
std::shared_ptr<Metric> family<Metric>::make() const {
  if constexpr (std::is_same_v<Metric, histogram>)
    return std::make_shared<histogram>(bounds_);
  else
    return std::make_shared<Metric>();
}

template <class Metric>
Metric& family<Metric>::with(const std::vector<std::string>& values) {
  if (values.size() != label_names_.size())
    throw std::invalid_argument("metric " + name_ + ": wrong label count");
  std::lock_guard<std::mutex> lock{mutex_};
  auto& child = children_[values];
  if (!child)
    child = make();
  return *static_cast<Metric*>(child.get());
}

template <class Metric>
void family<Metric>::render_child(std::string& out, const std::string& labels,
                                  const void* child) const {
  auto& metric = *static_cast<const Metric*>(child);
  if constexpr (std::is_same_v<Metric, histogram>) {
    // Buckets are cumulative on the wire; +Inf equals _count.
    auto counts = metric.bucket_counts();
    uint64_t running = 0;
    auto& bounds = metric.upper_bounds();
    for (size_t i = 0; i < counts.size(); ++i) {
      running += counts[i];
      auto le = i < bounds.size() ? format_number(bounds[i]) : "+Inf";
      out += name_ + "_bucket" + braces(labels, "le=\"" + le + "\"") + " "
             + std::to_string(running) + "\n";
    }
    out += name_ + "_sum" + braces(labels) + " " + format_number(metric.sum())
           + "\n";
    out += name_ + "_count" + braces(labels) + " " + std::to_string(running)
           + "\n";
  } else {
    out += name_ + braces(labels) + " " + std::to_string(metric.value())
           + "\n";
  }
}

template class family<counter>;
template class family<gauge>;
template class family<histogram>;

void registry::add(family_base& f) {
  std::lock_guard<std::mutex> lock{mutex_};
  families_.push_back(&f);
}

std::string registry::render() const {
  std::string out;
  std::lock_guard<std::mutex> lock{mutex_};
  for (auto* f : families_)
    f->render(out);
  return out;
}

} // namespace downhill::metrics
