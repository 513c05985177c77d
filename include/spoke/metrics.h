#pragma once

// Metrics: counters, gauges and histograms, with labels, kept in a registry that renders them in
// the Prometheus text exposition format (version 0.0.4). libspoke records its own figures (cache
// hits, storage latency, pushes, compile jobs, ...) in default_registry(); an embedder or a
// front-end adds its own families there and serves expose() (spoke-server does, at /metrics).
//
// Recording is cheap and thread-safe: a counter, a gauge or a histogram bucket is one atomic
// operation. Looking a labelled metric up by its label values takes a shared lock and a hash
// lookup; keep the reference it returns to skip that (references stay valid as long as their
// registry).
//
// Names and labels follow Prometheus' conventions: [a-zA-Z_:][a-zA-Z0-9_:]* for metric names,
// [a-zA-Z_][a-zA-Z0-9_]* for label names; counters end in _total; units are seconds and bytes.
// Registering a bad name, or one name twice with another kind, help or label set, is a
// programming error: it throws std::logic_error.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace spoke::metrics {

// The Content-Type of expose()'s output.
inline constexpr char kContentType[] = "text/plain; version=0.0.4; charset=utf-8";

// A value that only goes up: requests served, bytes sent.
class Counter {
 public:
  // `by` must not be negative.
  void inc(double by = 1) noexcept { value_.fetch_add(by, std::memory_order_relaxed); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// A value that goes up and down: open connections, jobs queued.
class Gauge {
 public:
  void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void inc(double by = 1) noexcept { value_.fetch_add(by, std::memory_order_relaxed); }
  void dec(double by = 1) noexcept { value_.fetch_sub(by, std::memory_order_relaxed); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted in buckets by upper bound (an observation equal to a bound falls in that
// bucket), with their count and sum: durations, sizes.
class Histogram {
 public:
  // `bounds`: increasing upper bounds; the +Inf bucket is implied.
  explicit Histogram(std::vector<double> bounds);

  void observe(double value) noexcept;

  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  // per bound, then +Inf (== count)
    std::uint64_t count = 0;
    double sum = 0;
  };
  // Consistent enough for a scrape: each bucket is read once, the count is their total.
  Snapshot snapshot() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // per bound, then +Inf
  std::atomic<double> sum_{0};
};

// Observes the seconds from its construction to its destruction (or to stop()) in a histogram.
class Timer {
 public:
  explicit Timer(Histogram& histogram)
      : histogram_(&histogram), start_(std::chrono::steady_clock::now()) {}
  ~Timer() { stop(); }
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;
  // Observes now (once); returns the seconds observed.
  double stop() noexcept;

 private:
  Histogram* histogram_;
  std::chrono::steady_clock::time_point start_;
};

// Bounds for request and operation latencies, in seconds: 1 ms to 10 s.
const std::vector<double>& latency_buckets();
// `count` bounds: start, start*factor, start*factor^2, ...
std::vector<double> exponential_buckets(double start, double factor, int count);

enum class Kind { kCounter, kGauge, kHistogram };

// Every metric of one name: one per combination of label values.
template <typename Metric>
class Family {
 public:
  // The metric of these label values, in the order of the family's label names, created at 0
  // on first use. A wrong number of values is a programming error (std::logic_error).
  Metric& with(std::initializer_list<std::string_view> values);
  Metric& with(const std::vector<std::string>& values);

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return labels_; }

  // Every (label values, metric) pair, sorted by label values.
  std::vector<std::pair<std::vector<std::string>, const Metric*>> children() const;

 private:
  friend class MetricRegistry;
  Family(std::string name, std::string help, std::vector<std::string> labels,
         std::vector<double> bounds);
  Metric& find_or_add(const std::string& key, const std::vector<std::string_view>& values);

  std::string name_;
  std::string help_;
  std::vector<std::string> labels_;
  std::vector<double> bounds_;  // histograms only
  mutable std::shared_mutex mu_;
  struct Child {
    std::vector<std::string> values;
    std::unique_ptr<Metric> metric;
  };
  std::unordered_map<std::string, Child> children_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

class MetricRegistry;

// Keeps a collector registered (see MetricRegistry::add_collector) until destroyed.
class CollectorHandle {
 public:
  CollectorHandle() = default;
  CollectorHandle(CollectorHandle&& other) noexcept;
  CollectorHandle& operator=(CollectorHandle&& other) noexcept;
  ~CollectorHandle();
  void reset();

 private:
  friend class MetricRegistry;
  CollectorHandle(MetricRegistry* registry, std::uint64_t id) : registry_(registry), id_(id) {}
  MetricRegistry* registry_ = nullptr;
  std::uint64_t id_ = 0;
};

class MetricRegistry {
 public:
  MetricRegistry() = default;
  MetricRegistry(const MetricRegistry&) = delete;
  MetricRegistry& operator=(const MetricRegistry&) = delete;

  // Registers a family, or returns the one already registered under that name with the same
  // kind, help and labels. A family without labels has its one metric from the start (so it is
  // exposed at 0); a labelled one exposes the label values used so far.
  CounterFamily& counter(const std::string& name, const std::string& help,
                         std::vector<std::string> labels = {});
  GaugeFamily& gauge(const std::string& name, const std::string& help,
                     std::vector<std::string> labels = {});
  HistogramFamily& histogram(const std::string& name, const std::string& help,
                             std::vector<std::string> labels = {},
                             std::vector<double> bounds = latency_buckets());

  // Runs `collect` at the start of every expose(), e.g. to set a gauge read from elsewhere (a
  // queue length in the database). Collectors run one at a time, in registration order; the
  // handle unregisters it (wait for a running expose() to finish with it).
  [[nodiscard]] CollectorHandle add_collector(std::function<void()> collect);

  // Every family in name order, each with # HELP and # TYPE, in the text exposition format.
  std::string expose() const;

  // The value of one counter or gauge (0 when absent; a histogram's count): for tests and
  // embedders that read their own figures.
  double value(const std::string& name, const std::vector<std::string>& label_values = {}) const;

 private:
  friend class CollectorHandle;
  struct Entry {
    Kind kind;
    std::unique_ptr<CounterFamily> counters;
    std::unique_ptr<GaugeFamily> gauges;
    std::unique_ptr<HistogramFamily> histograms;
  };
  Entry& entry(Kind kind, const std::string& name, const std::string& help,
               std::vector<std::string>& labels, const std::vector<double>& bounds);
  void remove_collector(std::uint64_t id);

  mutable std::mutex mu_;
  std::map<std::string, Entry> families_;
  mutable std::mutex collect_mu_;  // held while collectors run, and to remove one
  std::vector<std::pair<std::uint64_t, std::function<void()>>> collectors_;
  std::uint64_t next_collector_ = 1;
};

// The registry libspoke records into, and that spoke-server serves at /metrics. It lives until
// the process exits.
MetricRegistry& default_registry();

}  // namespace spoke::metrics
