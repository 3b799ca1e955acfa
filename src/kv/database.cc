#include "strata/kv/database.h"

#include "kv/database_shared.h"
#include "kv/transaction_impl.h"

namespace strata {

Database::Database(std::shared_ptr<kv::DatabaseShared> shared) : shared_(std::move(shared)) {}
Database::Database(Database&&) noexcept = default;
Database& Database::operator=(Database&&) noexcept = default;
Database::~Database() = default;

namespace {

constexpr int kRemoteReadConcurrency = 8;

void validate(const DatabaseOptions& o) {
  auto bad = [](const char* what) { throwError(ErrorCode::invalid_option_value, what); };
  if (o.maxWatches < 0 || o.maxWatches > 1'000'000) bad("maxWatches must be in [0, 1000000]");
  const TransactionOptions& t = o.transactionDefaults;
  if (t.sizeLimit < 32 || t.sizeLimit > kMaxTransactionSize) {
    bad("transaction size limit must be in [32, 10000000]");
  }
  if (t.timeout.count() < 0) bad("transaction timeout must be >= 0");
  if (t.retryLimit < -1) bad("transaction retry limit must be >= -1");
  if (t.maxRetryDelay.count() < 0) bad("transaction max retry delay must be >= 0");
  if (o.maxTransactionLifetime.count() <= 0) bad("maxTransactionLifetime must be > 0");
  if (o.idempotencyIdLifetime.count() <= 0) bad("idempotencyIdLifetime must be > 0");
  if (o.readConcurrency < -1 || o.readConcurrency > 256) bad("readConcurrency must be -1..256");
}

}  // namespace

Database Database::open(std::string_view url, DatabaseOptions options) {
  validate(options);
  auto shared = std::make_shared<kv::DatabaseShared>();
  shared->engine = kv::openEngine(url, options);
  shared->url = std::string(url);
  shared->options = options;
  const int readThreads = options.readConcurrency >= 0 ? options.readConcurrency
                          : shared->engine->remote()   ? kRemoteReadConcurrency
                                                       : 0;
  if (readThreads > 0) shared->readPool = std::make_unique<kv::ReadPool>(readThreads);
  return Database(std::move(shared));
}

Transaction Database::createTransaction() {
  return Transaction(std::make_unique<kv::TransactionImpl>(shared_));
}

const std::string& Database::url() const { return shared_->url; }
const DatabaseOptions& Database::options() const { return shared_->options; }
kv::Engine& Database::engine() const { return *shared_->engine; }
DatabaseStats Database::stats() const { return shared_->stats.snapshot(); }

}  // namespace strata
