#pragma once

// A PostgreSQL primary with optional read replicas, as the postgres stores use it: a pool of
// connections per server (each with a statement timeout and the statements prepared), schema
// migrations under an advisory lock, read routing (see spoke::ReadPolicy), and every libpqxx
// exception turned into a Status at this boundary.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "spoke/status.h"
#include "spoke/storage.h"

namespace spoke::internal::pg {

// A named statement, prepared on every connection.
struct Statement {
  const char* name;
  const char* sql;
};

// Connections to one server, at most `size` of them.
class Pool {
 public:
  struct Lease {
    std::unique_ptr<pqxx::connection> conn;
    std::uint64_t generation = 0;
    bool fresh = false;  // made for this lease, not taken from the idle ones
  };

  Pool(std::string conninfo, std::string label, int size, std::chrono::milliseconds wait,
       std::chrono::milliseconds query_timeout, const std::vector<Statement>* statements);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // An idle connection or a new one. Throws pqxx::broken_connection when the server cannot be
  // reached, and std::runtime_error when every connection stays busy for longer than the wait.
  Lease acquire();
  // Returns a connection for reuse, or drops it when `broken`; a broken connection makes every
  // idle one suspect (the server may have restarted), so they are dropped too.
  void release(Lease lease, bool broken);
  const std::string& label() const { return label_; }

 private:
  std::unique_ptr<pqxx::connection> connect();
  // Brings spoke_database_connections up to date (mu_ held).
  void report_connections();

  std::string conninfo_;
  std::string label_;  // host:port/db, for messages
  int size_;
  std::chrono::milliseconds wait_;
  std::chrono::milliseconds query_timeout_;
  const std::vector<Statement>* statements_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  int open_ = 0;  // lent out or idle
  std::uint64_t generation_ = 0;
  // What this pool added to the connection gauges (several pools may share a server's).
  int reported_in_use_ = 0;
  int reported_idle_ = 0;
};

inline const Status& status_of(const Status& s) { return s; }
template <typename T>
const Status& status_of(const Result<T>& r) {
  return r.status();
}

// Turns an exception from libpqxx (or the pool) into a Status; `drop` tells whether the
// connection it came from must not be reused.
Status to_status(const std::exception& e, const std::string& where, bool* drop);

// "16/B374D848" <-> a number; nullopt for anything else.
std::optional<std::uint64_t> parse_lsn(const std::string& text);

class Database {
 public:
  // Connects to the primary, applies the schema migrations under an advisory lock, and sets up
  // the pools. Internal("schema_too_new") names both schema versions.
  static Result<std::shared_ptr<Database>> open(const StorageOptions& options);

  // Runs fn(pqxx::connection&) -> Status or Result<T> on the primary. A connection that turns
  // out broken before anything was committed (e.g. after a server restart) is replaced and fn
  // run once more; other failures become Unavailable("storage_unavailable") or
  // Internal("storage_error"). `writes`: fn commits a change (its write token is recorded).
  template <typename Fn>
  auto on_primary(Fn&& fn, bool writes) -> std::invoke_result_t<Fn&, pqxx::connection&> {
    using R = std::invoke_result_t<Fn&, pqxx::connection&>;
    for (int attempt = 0;; ++attempt) {
      Pool::Lease lease;
      bool drop = false;
      Status failure;
      try {
        lease = primary_->acquire();
        R result = fn(*lease.conn);
        if (writes && result.ok() && !replicas_.empty()) note_write(*lease.conn);
        primary_->release(std::move(lease), false);
        return result;
      } catch (const pqxx::broken_connection& e) {
        failure = to_status(e, primary_->label(), &drop);
        // Nothing was committed: a stale pooled connection is retried once on a new one.
        if (attempt == 0 && lease.conn && !lease.fresh) {
          primary_->release(std::move(lease), true);
          continue;
        }
      } catch (const std::exception& e) {
        failure = to_status(e, primary_->label(), &drop);
      }
      if (lease.conn) primary_->release(std::move(lease), drop);
      return failure;
    }
  }

  // Runs a read: on a replica when the calling thread's ReadPolicy allows it and one has
  // caught up with what the thread must see (falling back to the primary when a replica fails
  // or finds nothing), else on the primary.
  template <typename Fn>
  auto read(Fn&& fn) -> std::invoke_result_t<Fn&, pqxx::connection&> {
    using R = std::invoke_result_t<Fn&, pqxx::connection&>;
    if (!replicas_.empty()) {
      if (Pool* replica = pick_replica()) {
        std::optional<R> served;
        Pool::Lease lease;
        bool drop = false;
        try {
          lease = replica->acquire();
          if (caught_up(*replica, *lease.conn)) {
            R result = fn(*lease.conn);
            if (status_of(result).code() != Code::kNotFound) served = std::move(result);
          }
          replica->release(std::move(lease), false);
        } catch (const std::exception& e) {
          (void)to_status(e, replica->label(), &drop);
          if (lease.conn) replica->release(std::move(lease), drop);
          mark_down(*replica);
        }
        if (served) return std::move(*served);
      }
      stick_to_primary();
    }
    return on_primary(fn, false);
  }

  Status ping();
  const std::string& label() const { return primary_->label(); }

 private:
  struct Replica {
    std::unique_ptr<Pool> pool;
    std::atomic<std::uint64_t> replayed{0};  // last replay position seen
    std::atomic<std::int64_t> down_until_ms{0};
  };

  Pool* pick_replica();
  bool caught_up(Pool& replica, pqxx::connection& conn);
  void mark_down(Pool& replica);
  void stick_to_primary();
  void note_write(pqxx::connection& conn);
  Replica* find(Pool& pool);

  std::unique_ptr<Pool> primary_;
  std::vector<std::unique_ptr<Replica>> replicas_;
  std::atomic<std::uint64_t> last_write_{0};  // the latest write this process committed
  std::atomic<std::size_t> next_replica_{0};
};

// The stores, sharing one Database.
std::unique_ptr<MetadataStore> make_metadata_store(std::shared_ptr<Database> db);
std::unique_ptr<BlobStore> make_blob_store(std::shared_ptr<Database> db);

// Every statement the postgres stores prepare.
const std::vector<Statement>& statements();

// Quotes `values` as a PostgreSQL array literal ('{"a","b"}'), for `= ANY($1::text[])`.
std::string text_array(const std::vector<std::string>& values);

}  // namespace spoke::internal::pg
