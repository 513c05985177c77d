#pragma once

// The figures libspoke records about itself, in metrics::default_registry(). Registered when
// that registry is first used, so every family is exposed (at 0) before anything happens.
// docs/operations.md describes each.

#include "spoke/metrics.h"

namespace spoke::internal {

struct LibraryMetrics {
  explicit LibraryMetrics(metrics::MetricRegistry& r);

  // {cache}: file, schema, validate, artifact.
  metrics::CounterFamily& cache_hits;
  metrics::CounterFamily& cache_misses;
  // {store, operation}: store is metadata or blob; operation the store's method.
  metrics::HistogramFamily& storage_duration;
  // {store, operation}: operations that failed because the storage did not answer.
  metrics::CounterFamily& storage_unavailable;
  // {pool}: PostgreSQL connections per server (host:port/db) and state (in_use, idle).
  metrics::GaugeFamily& db_connections;
  metrics::GaugeFamily& db_connections_max;
  metrics::CounterFamily& db_connection_waits_timed_out;
  // {outcome}: created, identical, invalid, breaking, conflict, error.
  metrics::CounterFamily& pushes;
  // {result}: valid, invalid, error.
  metrics::CounterFamily& validations;
  // {language, state}: queued, running, succeeded, failed, cached.
  metrics::CounterFamily& compile_jobs;
  metrics::GaugeFamily& compile_queue_length;
  metrics::GaugeFamily& compile_jobs_running;
  // {language}
  metrics::HistogramFamily& compile_job_duration;
  // {outcome}: succeeded, retrying (failed, another attempt follows), failed (final).
  metrics::CounterFamily& webhook_deliveries;
  metrics::HistogramFamily& webhook_delivery_duration;
  // Rate limits shared through Redis (spoke/rate_limit.h).
  metrics::GaugeFamily& rate_limit_redis_up;
  metrics::CounterFamily& rate_limit_redis_errors;
  metrics::CounterFamily& rate_limit_fallback_decisions;
  // {version, protobuf_version}: always 1.
  metrics::GaugeFamily& build_info;
};

// The one instance, in metrics::default_registry().
LibraryMetrics& library_metrics();

}  // namespace spoke::internal
