// Counters, gauges, histograms, their families and registry, and the text exposition format.
#include "spoke/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "metrics/library_metrics.h"

namespace spoke::metrics {
namespace {

bool valid_name(std::string_view name, bool colons) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (colons && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// A value as Prometheus reads it: integers without a fraction, others in their shortest
// round-trip form, +Inf, -Inf, NaN.
std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{}", v);
}

void append_escaped(std::string& out, std::string_view text, bool quotes) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

// `{a="x",b="y"}` (empty without labels); `extra` is one more label appended (a bucket's le).
std::string label_set(const std::vector<std::string>& names, const std::vector<std::string>& values,
                      std::string_view extra_name = {}, std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return "";
  std::string out = "{";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i];
    out += "=\"";
    append_escaped(out, values[i], true);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
  return out;
}

std::string join_key(const std::vector<std::string_view>& values) {
  std::string key;
  for (auto v : values) {
    key.append(v);
    key += '\xff';  // never in UTF-8 text
  }
  return key;
}

template <typename Metric>
std::unique_ptr<Metric> make_metric(const std::vector<double>& bounds) {
  if constexpr (std::is_same_v<Metric, Histogram>) {
    return std::make_unique<Histogram>(bounds);
  } else {
    (void)bounds;
    return std::make_unique<Metric>();
  }
}

template <typename Metric>
void append_family(std::string& out, const char* type, const Family<Metric>& family) {
  out += "# HELP ";
  out += family.name();
  out += ' ';
  append_escaped(out, family.help(), false);
  out += "\n# TYPE ";
  out += family.name();
  out += ' ';
  out += type;
  out += '\n';
  for (const auto& [values, metric] : family.children()) {
    if constexpr (std::is_same_v<Metric, Histogram>) {
      auto snap = metric->snapshot();
      const auto& bounds = metric->bounds();
      for (std::size_t i = 0; i <= bounds.size(); ++i) {
        std::string le = i < bounds.size() ? format_value(bounds[i]) : "+Inf";
        out += fmt::format("{}_bucket{} {}\n", family.name(),
                           label_set(family.label_names(), values, "le", le), snap.cumulative[i]);
      }
      std::string labels = label_set(family.label_names(), values);
      out += fmt::format("{}_sum{} {}\n", family.name(), labels, format_value(snap.sum));
      out += fmt::format("{}_count{} {}\n", family.name(), labels, snap.count);
    } else {
      out += fmt::format("{}{} {}\n", family.name(), label_set(family.label_names(), values),
                         format_value(metric->value()));
    }
  }
}

}  // namespace

// ---- Histogram, Timer, buckets ---------------------------------------------------------------

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    if (std::isnan(bounds_[i]) || (i > 0 && bounds_[i] <= bounds_[i - 1])) {
      throw std::logic_error("histogram bounds must be increasing numbers");
    }
  }
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::observe(double value) noexcept {
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  buckets_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.cumulative.resize(bounds_.size() + 1);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    total += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative[i] = total;
  }
  s.count = total;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

double Timer::stop() noexcept {
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (histogram_ != nullptr) histogram_->observe(seconds);
  histogram_ = nullptr;
  return seconds;
}

const std::vector<double>& latency_buckets() {
  static const std::vector<double> bounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                             0.25,  0.5,    1,     2.5,  5,     10};
  return bounds;
}

std::vector<double> exponential_buckets(double start, double factor, int count) {
  std::vector<double> out;
  double v = start;
  for (int i = 0; i < count; ++i, v *= factor) out.push_back(v);
  return out;
}

// ---- Family ----------------------------------------------------------------------------------

template <typename Metric>
Family<Metric>::Family(std::string name, std::string help, std::vector<std::string> labels,
                       std::vector<double> bounds)
    : name_(std::move(name)),
      help_(std::move(help)),
      labels_(std::move(labels)),
      bounds_(std::move(bounds)) {
  if (labels_.empty()) find_or_add("", {});
}

template <typename Metric>
Metric& Family<Metric>::find_or_add(const std::string& key,
                                    const std::vector<std::string_view>& values) {
  {
    std::shared_lock lock(mu_);
    auto it = children_.find(key);
    if (it != children_.end()) return *it->second.metric;
  }
  std::unique_lock lock(mu_);
  auto [it, added] = children_.try_emplace(key);
  if (added) {
    it->second.values.assign(values.begin(), values.end());
    it->second.metric = make_metric<Metric>(bounds_);
  }
  return *it->second.metric;
}

template <typename Metric>
Metric& Family<Metric>::with(std::initializer_list<std::string_view> values) {
  if (values.size() != labels_.size()) {
    throw std::logic_error(fmt::format("metric {} has {} labels, given {} values", name_,
                                       labels_.size(), values.size()));
  }
  std::vector<std::string_view> v(values);
  return find_or_add(join_key(v), v);
}

template <typename Metric>
Metric& Family<Metric>::with(const std::vector<std::string>& values) {
  if (values.size() != labels_.size()) {
    throw std::logic_error(fmt::format("metric {} has {} labels, given {} values", name_,
                                       labels_.size(), values.size()));
  }
  std::vector<std::string_view> v(values.begin(), values.end());
  return find_or_add(join_key(v), v);
}

template <typename Metric>
std::vector<std::pair<std::vector<std::string>, const Metric*>> Family<Metric>::children() const {
  std::vector<std::pair<std::vector<std::string>, const Metric*>> out;
  {
    std::shared_lock lock(mu_);
    out.reserve(children_.size());
    for (const auto& [key, child] : children_) out.emplace_back(child.values, child.metric.get());
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

// ---- CollectorHandle -------------------------------------------------------------------------

CollectorHandle::CollectorHandle(CollectorHandle&& other) noexcept
    : registry_(other.registry_), id_(other.id_) {
  other.registry_ = nullptr;
}

CollectorHandle& CollectorHandle::operator=(CollectorHandle&& other) noexcept {
  if (this != &other) {
    reset();
    registry_ = other.registry_;
    id_ = other.id_;
    other.registry_ = nullptr;
  }
  return *this;
}

CollectorHandle::~CollectorHandle() { reset(); }

void CollectorHandle::reset() {
  if (registry_ != nullptr) registry_->remove_collector(id_);
  registry_ = nullptr;
}

// ---- MetricRegistry --------------------------------------------------------------------------

MetricRegistry::Entry& MetricRegistry::entry(Kind kind, const std::string& name,
                                             const std::string& help,
                                             std::vector<std::string>& labels,
                                             const std::vector<double>& bounds) {
  if (!valid_name(name, true)) throw std::logic_error("invalid metric name \"" + name + "\"");
  for (const auto& l : labels) {
    if (!valid_name(l, false) || l.starts_with("__") || (kind == Kind::kHistogram && l == "le")) {
      throw std::logic_error(fmt::format("invalid label name \"{}\" of metric {}", l, name));
    }
  }
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it != families_.end()) {
    const Entry& e = it->second;
    bool same = e.kind == kind;
    if (same && kind == Kind::kCounter) {
      same = e.counters->help() == help && e.counters->label_names() == labels;
    } else if (same && kind == Kind::kGauge) {
      same = e.gauges->help() == help && e.gauges->label_names() == labels;
    } else if (same) {
      same = e.histograms->help() == help && e.histograms->label_names() == labels &&
             e.histograms->bounds_ == bounds;
    }
    if (!same) {
      throw std::logic_error("metric " + name + " is registered already, differently");
    }
    return it->second;
  }
  Entry e{kind, nullptr, nullptr, nullptr};
  switch (kind) {
    case Kind::kCounter:
      e.counters.reset(new CounterFamily(name, help, std::move(labels), {}));
      break;
    case Kind::kGauge:
      e.gauges.reset(new GaugeFamily(name, help, std::move(labels), {}));
      break;
    case Kind::kHistogram:
      e.histograms.reset(new HistogramFamily(name, help, std::move(labels), bounds));
      break;
  }
  return families_.emplace(name, std::move(e)).first->second;
}

CounterFamily& MetricRegistry::counter(const std::string& name, const std::string& help,
                                       std::vector<std::string> labels) {
  return *entry(Kind::kCounter, name, help, labels, {}).counters;
}

GaugeFamily& MetricRegistry::gauge(const std::string& name, const std::string& help,
                                   std::vector<std::string> labels) {
  return *entry(Kind::kGauge, name, help, labels, {}).gauges;
}

HistogramFamily& MetricRegistry::histogram(const std::string& name, const std::string& help,
                                           std::vector<std::string> labels,
                                           std::vector<double> bounds) {
  // Checked here, before the family exists: the same rule as each Histogram's.
  Histogram check(bounds);
  return *entry(Kind::kHistogram, name, help, labels, bounds).histograms;
}

CollectorHandle MetricRegistry::add_collector(std::function<void()> collect) {
  std::lock_guard lock(collect_mu_);
  std::uint64_t id = next_collector_++;
  collectors_.emplace_back(id, std::move(collect));
  return CollectorHandle(this, id);
}

void MetricRegistry::remove_collector(std::uint64_t id) {
  std::lock_guard lock(collect_mu_);
  std::erase_if(collectors_, [id](const auto& c) { return c.first == id; });
}

std::string MetricRegistry::expose() const {
  {
    std::lock_guard lock(collect_mu_);
    for (const auto& [id, collect] : collectors_) collect();
  }
  std::vector<const Entry*> entries;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, e] : families_) entries.push_back(&e);
  }
  std::string out;
  for (const Entry* e : entries) {
    switch (e->kind) {
      case Kind::kCounter:
        append_family(out, "counter", *e->counters);
        break;
      case Kind::kGauge:
        append_family(out, "gauge", *e->gauges);
        break;
      case Kind::kHistogram:
        append_family(out, "histogram", *e->histograms);
        break;
    }
  }
  return out;
}

double MetricRegistry::value(const std::string& name,
                             const std::vector<std::string>& label_values) const {
  const Entry* e = nullptr;
  {
    std::lock_guard lock(mu_);
    auto it = families_.find(name);
    if (it == families_.end()) return 0;
    e = &it->second;
  }
  auto find = [&](const auto& family) -> decltype(family.children().front().second) {
    for (const auto& [values, metric] : family.children()) {
      if (values == label_values) return metric;
    }
    return nullptr;
  };
  switch (e->kind) {
    case Kind::kCounter: {
      const Counter* c = find(*e->counters);
      return c != nullptr ? c->value() : 0;
    }
    case Kind::kGauge: {
      const Gauge* g = find(*e->gauges);
      return g != nullptr ? g->value() : 0;
    }
    case Kind::kHistogram: {
      const Histogram* h = find(*e->histograms);
      return h != nullptr ? static_cast<double>(h->snapshot().count) : 0;
    }
  }
  return 0;
}

// ---- the process's registry ------------------------------------------------------------------

namespace {

struct DefaultInstance {
  MetricRegistry registry;
  internal::LibraryMetrics library{registry};
};

DefaultInstance& default_instance() {
  // Never destroyed: threads may record until the process exits.
  static DefaultInstance* instance = new DefaultInstance;
  return *instance;
}

}  // namespace

MetricRegistry& default_registry() { return default_instance().registry; }

}  // namespace spoke::metrics

namespace spoke::internal {

LibraryMetrics& library_metrics() { return metrics::default_instance().library; }

}  // namespace spoke::internal
