// Content-addressed blobs in PostgreSQL (bytea), so servers sharing the database need no shared
// disk. A blob is immutable: a replica that has it answers as well as the primary, and one that
// lacks it sends the read to the primary; so writing one needs no write token.
#include <fmt/format.h>

#include <set>

#include "storage/postgres/pg_database.h"
#include "storage/store_errors.h"

namespace spoke::internal::pg {
namespace {

class PostgresBlobStore final : public BlobStore {
 public:
  explicit PostgresBlobStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

  Status ping() override { return db_->ping(); }

  Status put(const std::string& digest, std::string_view content) override {
    return db_->on_primary(
        [&](pqxx::connection& c) -> Status {
          pqxx::work tx(c);
          tx.exec_prepared("put_blob", digest, pqxx::binarystring(content.data(), content.size()));
          tx.commit();
          return Status::OK();
        },
        false);
  }

  // One transaction: only the blobs not stored yet are sent.
  Status put_many(const std::vector<std::pair<std::string, std::string_view>>& blobs) override {
    if (blobs.empty()) return Status::OK();
    std::vector<std::string> digests;
    digests.reserve(blobs.size());
    for (const auto& [digest, _] : blobs) digests.push_back(digest);
    return db_->on_primary(
        [&](pqxx::connection& c) -> Status {
          pqxx::work tx(c);
          std::set<std::string> present;
          for (const auto& row : tx.exec_prepared("blobs_present", text_array(digests))) {
            present.insert(row[0].as<std::string>());
          }
          for (const auto& [digest, content] : blobs) {
            if (!present.insert(digest).second) continue;
            tx.exec_prepared("put_blob", digest,
                             pqxx::binarystring(content.data(), content.size()));
          }
          tx.commit();
          return Status::OK();
        },
        false);
  }

  Result<std::string> get(const std::string& digest) override {
    return db_->read([&](pqxx::connection& c) -> Result<std::string> {
      pqxx::nontransaction tx(c);
      auto r = tx.exec_prepared("get_blob", digest);
      if (r.empty()) return blob_not_found(digest);
      return pqxx::binarystring(r[0][0]).str();
    });
  }

  Result<bool> exists(const std::string& digest) override {
    return db_->on_primary(
        [&](pqxx::connection& c) -> Result<bool> {
          pqxx::nontransaction tx(c);
          return !tx.exec_prepared("blob_exists", digest).empty();
        },
        false);
  }

 private:
  std::shared_ptr<Database> db_;
};

}  // namespace

std::unique_ptr<BlobStore> make_blob_store(std::shared_ptr<Database> db) {
  return std::make_unique<PostgresBlobStore>(std::move(db));
}

}  // namespace spoke::internal::pg
