#include "metrics/library_metrics.h"

#include "spoke/version.h"

namespace spoke::internal {
LibraryMetrics::LibraryMetrics(metrics::MetricRegistry& r)
    : cache_hits(r.counter("spoke_cache_hits_total",
                           "Lookups answered from a cache, by cache (file: file contents of exact "
                           "versions; schema: linked schemas; validate: validation results; "
                           "artifact: generated code already built)",
                           {"cache"})),
      cache_misses(r.counter(
          "spoke_cache_misses_total",
          "Lookups a cache could not answer, by cache (see spoke_cache_hits_total)", {"cache"})),
      storage_duration(r.histogram("spoke_storage_operation_duration_seconds",
                                   "Duration of storage operations, by store (metadata, blob) "
                                   "and operation",
                                   {"store", "operation"})),
      storage_unavailable(r.counter("spoke_storage_unavailable_total",
                                    "Storage operations that failed because the storage did not "
                                    "answer, by store and operation",
                                    {"store", "operation"})),
      db_connections(r.gauge("spoke_database_connections",
                             "PostgreSQL connections open, by server and state (in_use, idle)",
                             {"server", "state"})),
      db_connections_max(r.gauge("spoke_database_connections_max",
                                 "PostgreSQL connections a server's pool may open "
                                 "(--postgres-pool-size)",
                                 {"server"})),
      db_connection_waits_timed_out(
          r.counter("spoke_database_connection_wait_timeouts_total",
                    "Requests for a PostgreSQL connection that found every connection busy for "
                    "the whole query timeout",
                    {"server"})),
      pushes(r.counter("spoke_pushes_total",
                       "Pushes by outcome: created (a new version), identical (the same content "
                       "again), invalid (does not compile), breaking (refused by the policy), lint "
                       "(refused by the lint policy), "
                       "conflict (other content under an existing version), error (anything "
                       "else)",
                       {"outcome"})),
      validations(r.counter("spoke_validations_total",
                            "Validations (POST /validate) by result: valid, invalid (errors in "
                            "the files), error (the request could not be checked)",
                            {"result"})),
      compile_jobs(r.counter("spoke_compile_jobs_total",
                             "Compile jobs reaching a state in this process, by language and "
                             "state (queued, running, succeeded, failed, cached: answered from "
                             "an artifact already built)",
                             {"language", "state"})),
      compile_queue_length(r.gauge("spoke_compile_queue_length",
                                   "Compile jobs waiting in the store for a worker (every "
                                   "instance's)")),
      compile_jobs_running(
          r.gauge("spoke_compile_jobs_running", "Compile jobs this process is running")),
      compile_job_duration(r.histogram("spoke_compile_job_duration_seconds",
                                       "Duration of compile jobs run in this process, by language",
                                       {"language"}, metrics::exponential_buckets(0.05, 2, 14))),
      webhook_deliveries(r.counter("spoke_webhook_deliveries_total",
                                   "Webhook delivery attempts made by this process, by outcome: "
                                   "succeeded, retrying (failed, another attempt follows), "
                                   "failed (final)",
                                   {"outcome"})),
      webhook_delivery_duration(r.histogram("spoke_webhook_delivery_duration_seconds",
                                            "Duration of webhook delivery attempts, by outcome",
                                            {"outcome"})),
      rate_limit_redis_up(r.gauge("spoke_rate_limit_redis_up",
                                  "1 while rate limits are shared through Redis and Redis "
                                  "answers; 0 while this instance falls back to its own buckets "
                                  "(or no Redis is configured)")),
      rate_limit_redis_errors(r.counter("spoke_rate_limit_redis_errors_total",
                                        "Rate-limit decisions Redis failed to make (unreachable, "
                                        "timed out or refused)")),
      rate_limit_fallback_decisions(
          r.counter("spoke_rate_limit_fallback_decisions_total",
                    "Rate-limit decisions made by this instance's own buckets because Redis did "
                    "not answer")),
      build_info(r.gauge("spoke_build_info",
                         "Always 1; the labels say which Spoke and which libprotobuf this is",
                         {"version", "protobuf_version"})) {
  build_info.with({spoke::version(), protobuf_version()}).set(1);
  for (const char* cache : {"file", "schema", "validate", "artifact"}) {
    cache_hits.with({cache});
    cache_misses.with({cache});
  }
  for (const char* outcome :
       {"created", "identical", "invalid", "breaking", "lint", "conflict", "error"}) {
    pushes.with({outcome});
  }
  for (const char* result : {"valid", "invalid", "error"}) validations.with({result});
  for (const char* outcome : {"succeeded", "retrying", "failed"}) {
    webhook_deliveries.with({outcome});
    webhook_delivery_duration.with({outcome});
  }
}

}  // namespace spoke::internal
