#pragma once

// The HTTP figures of spoke-server, in spoke::metrics::default_registry() beside libspoke's.

#include <httplib.h>

#include <cstddef>
#include <string>

#include "spoke/metrics.h"

namespace spoke::server {

struct HttpMetrics {
  // {route, method, status}: route is the template ("/modules/{module}"), "(unmatched)" for none.
  metrics::CounterFamily& requests;
  // {route, method}
  metrics::HistogramFamily& duration;
  metrics::CounterFamily& request_bytes;
  metrics::CounterFamily& response_bytes;
  metrics::Gauge& open_connections;
  // {budget}: general, push (pushes and compile requests).
  metrics::CounterFamily& rate_limited;

  // Counts one answered request.
  void record(const std::string& route, const std::string& method, int status, double seconds,
              std::size_t bytes_in, std::size_t bytes_out);
};

HttpMetrics& http_metrics();

// A worker pool of `threads` that counts the connections it holds (accepted, queued or being
// served) in spoke_http_open_connections.
httplib::TaskQueue* counting_task_queue(std::size_t threads);

}  // namespace spoke::server
