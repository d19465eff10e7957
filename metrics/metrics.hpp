// A small metrics registry: atomic counters and gauges, fixed-bucket
// histograms, and families of them by label, rendered in Prometheus' text
// exposition format (version 0.0.4). Debian 12 packages no C++ Prometheus
// client, and the server needs only these three kinds.
//
// Updating a metric is lock-free (relaxed atomics); only creating a
// labelled child and rendering take a family's mutex. Label values must
// come from small fixed sets (a run's type and status, a firing's outcome),
// never from tenants' names or ids: every child lives until exit.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace downhill::metrics {

/// Only goes up.
class counter {
public:
  void inc(uint64_t n = 1) noexcept {
    value_.fetch_add(n, std::memory_order_relaxed);
  }
  uint64_t value() const noexcept {
    return value_.load(std::memory_order_relaxed);
  }

private:
  std::atomic<uint64_t> value_{0};
};

/// Goes up and down (clients connected, runs waiting).
class gauge {
public:
  void add(int64_t n) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  void inc() noexcept { add(1); }
  void dec() noexcept { add(-1); }
  void set(int64_t n) noexcept { value_.store(n, std::memory_order_relaxed); }
  int64_t value() const noexcept {
    return value_.load(std::memory_order_relaxed);
  }

private:
  std::atomic<int64_t> value_{0};
};

/// Observations counted into fixed buckets (upper bounds, ascending; the
/// +Inf bucket is implicit), with their count and sum.
class histogram {
public:
  explicit histogram(std::vector<double> upper_bounds);

  void observe(double value) noexcept;

  const std::vector<double>& upper_bounds() const { return bounds_; }
  /// Observations per bucket, not cumulative; the last is +Inf's own.
  std::vector<uint64_t> bucket_counts() const;
  uint64_t count() const noexcept;
  double sum() const noexcept;

private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

enum class kind { counter, gauge, histogram };

/// One named metric and its children by label values (one child with no
/// labels when it has no label names).
class family_base {
public:
  family_base(std::string name, std::string help, kind k,
              std::vector<std::string> label_names);
  virtual ~family_base() = default;
  /// Appends "# HELP", "# TYPE" and every child's samples.
  void render(std::string& out) const;
  const std::string& name() const { return name_; }

protected:
  virtual void render_child(std::string& out, const std::string& labels,
                            const void* child) const = 0;
  std::string name_;
  std::string help_;
  kind kind_;
  std::vector<std::string> label_names_;
  mutable std::mutex mutex_;
  // Label values -> child; std::map keeps the output in a stable order.
  std::map<std::vector<std::string>, std::shared_ptr<void>> children_;
  friend class registry;
};

template <class Metric>
class family : public family_base {
public:
  /// `upper_bounds`: a histogram family's buckets (ignored otherwise).
  family(std::string name, std::string help,
         std::vector<std::string> label_names = {},
         std::vector<double> upper_bounds = {});

  /// The child for these label values (as many as label names), created
  /// on first use.
  Metric& with(const std::vector<std::string>& values);
  /// The one child of a family without labels.
  Metric& get() { return with({}); }

private:
  void render_child(std::string& out, const std::string& labels,
                    const void* child) const override;
  std::shared_ptr<Metric> make() const;
  std::vector<double> bounds_;  // histograms only
};

/// Every family of a process, rendered in registration order.
class registry {
public:
  void add(family_base& f);
  std::string render() const;

private:
  mutable std::mutex mutex_;
  std::vector<family_base*> families_;
};

/// Prometheus' text for a number: integers without a decimal point,
/// "+Inf" for infinity.
std::string format_number(double value);

} // namespace downhill::metrics
