#include "strata/kv/database.h"

#include "kv/database_shared.h"
#include "kv/transaction_impl.h"

namespace strata {

Database::Database(std::shared_ptr<kv::DatabaseShared> shared) : shared_(std::move(shared)) {}
Database::Database(Database&&) noexcept = default;
Database& Database::operator=(Database&&) noexcept = default;
Database::~Database() = default;

Database Database::open(std::string_view url, DatabaseOptions options) {
  auto shared = std::make_shared<kv::DatabaseShared>();
  shared->engine = kv::openEngine(url, options);
  shared->url = std::string(url);
  shared->options = options;
  return Database(std::move(shared));
}

Transaction Database::createTransaction() {
  return Transaction(std::make_unique<kv::TransactionImpl>(shared_));
}

const std::string& Database::url() const { return shared_->url; }
const DatabaseOptions& Database::options() const { return shared_->options; }
kv::Engine& Database::engine() const { return *shared_->engine; }

}  // namespace strata
