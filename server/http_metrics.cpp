#include "http_metrics.h"

namespace spoke::server {
namespace {

class CountingThreadPool : public httplib::ThreadPool {
 public:
  CountingThreadPool(std::size_t threads, metrics::Gauge& open)
      : httplib::ThreadPool(threads), open_(open) {}

  void enqueue(std::function<void()> fn) override {
    open_.inc();
    httplib::ThreadPool::enqueue([this, fn = std::move(fn)] {
      fn();
      open_.dec();
    });
  }

 private:
  metrics::Gauge& open_;
};

}  // namespace

HttpMetrics& http_metrics() {
  static HttpMetrics* m = [] {
    auto& r = metrics::default_registry();
    auto* out = new HttpMetrics{
        r.counter("spoke_http_requests_total",
                  "HTTP requests answered, by route template, method and status",
                  {"route", "method", "status"}),
        r.histogram("spoke_http_request_duration_seconds",
                    "Time from reading a request to its answer being written, by route template "
                    "and method",
                    {"route", "method"}),
        r.counter("spoke_http_request_bytes_total",
                  "Request body bytes received (as sent, before decompression when the client "
                  "gave their length), by route template and method",
                  {"route", "method"}),
        r.counter("spoke_http_response_bytes_total",
                  "Response body bytes sent (after compression), by route template and method",
                  {"route", "method"}),
        r.gauge("spoke_http_open_connections",
                "Client connections of the API port accepted and not yet closed")
            .with({}),
        r.counter("spoke_rate_limited_total",
                  "Requests refused with 429 rate_limited, by budget (general; push: pushes and "
                  "compile requests)",
                  {"budget"}),
    };
    out->rate_limited.with({"general"});
    out->rate_limited.with({"push"});
    return out;
  }();
  return *m;
}

void HttpMetrics::record(const std::string& route, const std::string& method, int status,
                         double seconds, std::size_t bytes_in, std::size_t bytes_out) {
  requests.with({route, method, std::to_string(status)}).inc();
  duration.with({route, method}).observe(seconds);
  request_bytes.with({route, method}).inc(static_cast<double>(bytes_in));
  response_bytes.with({route, method}).inc(static_cast<double>(bytes_out));
}

httplib::TaskQueue* counting_task_queue(std::size_t threads) {
  return new CountingThreadPool(threads, http_metrics().open_connections);
}

}  // namespace spoke::server
