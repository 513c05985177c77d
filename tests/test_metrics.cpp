// The metrics registry: counters, gauges, histograms, labels, collectors, and the text
// exposition format as Prometheus' own promtool reads it.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <stdexcept>
#include <thread>

#include "spoke/metrics.h"
#include "support/test_support.h"

using spoke::metrics::MetricRegistry;
using spoke::testing::TempDir;

namespace {

// promtool's verdict on an exposition: exit code and what it printed.
spoke::testing::ProcessResult promtool_check(const std::string& exposition) {
  TempDir dir;
  spoke::testing::write_file(dir / "metrics.txt", exposition);
  return spoke::testing::run(
      {"/bin/sh", "-c", "promtool check metrics < \"$0\"", (dir / "metrics.txt").string()},
      dir.path());
}

// Fails the test when promtool finds anything to say about `exposition`.
void check_with_promtool(const std::string& exposition) {
  auto verdict = promtool_check(exposition);
  CHECK_MESSAGE(verdict.exit_code == 0, verdict.out << verdict.err);
}

}  // namespace

TEST_CASE("the_exposition_format_is_prometheus_text_0_0_4") {
  MetricRegistry r;
  auto& requests = r.counter("demo_requests_total", "Requests served.", {"route", "status"});
  requests.with({"/modules", "200"}).inc();
  requests.with({"/modules", "200"}).inc(2);
  requests.with({"/audit", "403"}).inc();
  r.gauge("demo_open_connections", "Connections open.").with({}).set(3);
  auto& latency = r.histogram("demo_duration_seconds", "Request duration.", {"route"}, {0.1, 1});
  latency.with({"/modules"}).observe(0.05);
  latency.with({"/modules"}).observe(0.1);  // on a bound: that bucket
  latency.with({"/modules"}).observe(0.5);
  latency.with({"/modules"}).observe(7);
  CHECK(r.expose() ==
        "# HELP demo_duration_seconds Request duration.\n"
        "# TYPE demo_duration_seconds histogram\n"
        "demo_duration_seconds_bucket{route=\"/modules\",le=\"0.1\"} 2\n"
        "demo_duration_seconds_bucket{route=\"/modules\",le=\"1\"} 3\n"
        "demo_duration_seconds_bucket{route=\"/modules\",le=\"+Inf\"} 4\n"
        "demo_duration_seconds_sum{route=\"/modules\"} 7.65\n"
        "demo_duration_seconds_count{route=\"/modules\"} 4\n"
        "# HELP demo_open_connections Connections open.\n"
        "# TYPE demo_open_connections gauge\n"
        "demo_open_connections 3\n"
        "# HELP demo_requests_total Requests served.\n"
        "# TYPE demo_requests_total counter\n"
        "demo_requests_total{route=\"/audit\",status=\"403\"} 1\n"
        "demo_requests_total{route=\"/modules\",status=\"200\"} 3\n");
  check_with_promtool(r.expose());
}

TEST_CASE("label_values_and_help_are_escaped") {
  MetricRegistry r;
  r.counter("demo_total", "A \\ help\nwith two lines", {"v"}).with({"a\"b\\c\nd"}).inc();
  CHECK(r.expose() ==
        "# HELP demo_total A \\\\ help\\nwith two lines\n"
        "# TYPE demo_total counter\n"
        "demo_total{v=\"a\\\"b\\\\c\\nd\"} 1\n");
  check_with_promtool(r.expose());
}

TEST_CASE("values_print_as_prometheus_reads_them") {
  MetricRegistry r;
  auto& g = r.gauge("demo_value", "v", {"k"});
  g.with({"int"}).set(42);
  g.with({"frac"}).set(0.25);
  g.with({"neg"}).set(-3);
  g.with({"inf"}).set(std::numeric_limits<double>::infinity());
  g.with({"nan"}).set(std::numeric_limits<double>::quiet_NaN());
  g.with({"big"}).set(1e20);
  std::string text = r.expose();
  CHECK(text.find("demo_value{k=\"int\"} 42\n") != std::string::npos);
  CHECK(text.find("demo_value{k=\"frac\"} 0.25\n") != std::string::npos);
  CHECK(text.find("demo_value{k=\"neg\"} -3\n") != std::string::npos);
  CHECK(text.find("demo_value{k=\"inf\"} +Inf\n") != std::string::npos);
  CHECK(text.find("demo_value{k=\"nan\"} NaN\n") != std::string::npos);
  CHECK(text.find("demo_value{k=\"big\"} 1e+20\n") != std::string::npos);
  check_with_promtool(text);
}

TEST_CASE("families_are_registered_once_and_mistakes_are_refused") {
  MetricRegistry r;
  auto& a = r.counter("demo_total", "help", {"x"});
  auto& b = r.counter("demo_total", "help", {"x"});
  CHECK(&a == &b);
  CHECK(&a.with({"1"}) == &b.with({"1"}));
  CHECK_THROWS_AS(r.gauge("demo_total", "help", {"x"}), std::logic_error);
  CHECK_THROWS_AS(r.counter("demo_total", "other help", {"x"}), std::logic_error);
  CHECK_THROWS_AS(r.counter("demo_total", "help", {"y"}), std::logic_error);
  CHECK_THROWS_AS(r.counter("1bad", "help"), std::logic_error);
  CHECK_THROWS_AS(r.counter("demo-bad", "help"), std::logic_error);
  CHECK_THROWS_AS(r.counter("demo_ok_total", "help", {"bad-label"}), std::logic_error);
  CHECK_THROWS_AS(r.counter("demo_ok_total", "help", {"__reserved"}), std::logic_error);
  CHECK_THROWS_AS(r.histogram("demo_h", "help", {"le"}), std::logic_error);
  CHECK_THROWS_AS(r.histogram("demo_h", "help", {}, {1, 1}), std::logic_error);
  CHECK_THROWS_AS(a.with({"1", "2"}), std::logic_error);
  // A family without labels is there at 0 before anything is recorded.
  r.counter("demo_quiet_total", "nothing yet");
  CHECK(r.expose().find("demo_quiet_total 0\n") != std::string::npos);
}

TEST_CASE("recording_from_many_threads_loses_nothing") {
  MetricRegistry r;
  auto& c = r.counter("demo_total", "help", {"t"});
  auto& g = r.gauge("demo_gauge", "help");
  auto& h = r.histogram("demo_seconds", "help", {}, {0.5});
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20000; ++i) {
        c.with({t % 2 == 0 ? "even" : "odd"}).inc();
        g.with({}).inc();
        g.with({}).dec(0.5);
        h.with({}).observe(i % 2 == 0 ? 0.25 : 1.0);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(r.value("demo_total", {"even"}) == 80000);
  CHECK(r.value("demo_total", {"odd"}) == 80000);
  CHECK(r.value("demo_gauge") == 80000);
  auto snap = h.with({}).snapshot();
  CHECK(snap.count == 160000);
  CHECK(snap.cumulative[0] == 80000);
  CHECK(snap.sum == doctest::Approx(80000 * 1.25));
}

TEST_CASE("collectors_run_before_each_exposition_until_their_handle_goes") {
  MetricRegistry r;
  auto& queue = r.gauge("demo_queue_length", "help").with({});
  int runs = 0;
  {
    auto handle = r.add_collector([&] { queue.set(++runs * 10); });
    CHECK(r.expose().find("demo_queue_length 10\n") != std::string::npos);
    CHECK(r.expose().find("demo_queue_length 20\n") != std::string::npos);
  }
  CHECK(r.expose().find("demo_queue_length 20\n") != std::string::npos);
  CHECK(runs == 2);
}

TEST_CASE("timers_observe_seconds") {
  MetricRegistry r;
  auto& h = r.histogram("demo_seconds", "help").with({});
  { spoke::metrics::Timer t(h); }
  spoke::metrics::Timer t(h);
  double s = t.stop();
  CHECK(s >= 0);
  t.stop();  // once only
  CHECK(h.snapshot().count == 2);
  CHECK(spoke::metrics::exponential_buckets(1, 2, 4) == std::vector<double>{1, 2, 4, 8});
}

TEST_CASE("libspokes_own_families_are_exposed_from_the_start_and_promtool_accepts_them") {
  std::string text = spoke::metrics::default_registry().expose();
  for (const char* family :
       {"spoke_cache_hits_total", "spoke_cache_misses_total",
        "spoke_storage_operation_duration_seconds", "spoke_pushes_total", "spoke_validations_total",
        "spoke_compile_jobs_total", "spoke_compile_queue_length",
        "spoke_compile_job_duration_seconds", "spoke_database_connections",
        "spoke_webhook_deliveries_total", "spoke_webhook_delivery_duration_seconds"}) {
    CAPTURE(family);
    CHECK(text.find(std::string("# TYPE ") + family + " ") != std::string::npos);
  }
  CHECK(text.find("spoke_cache_hits_total{cache=\"schema\"} 0\n") != std::string::npos);
  CHECK(text.find("spoke_pushes_total{outcome=\"breaking\"} 0\n") != std::string::npos);
  check_with_promtool(text);
}
