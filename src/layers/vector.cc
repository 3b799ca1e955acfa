// Vector (include/strata/layers/vector.h). Size is never stored: the last slot is always stored,
// so size = last index + 1 from one reverse key read. That read is a snapshot read; each
// operation then adds read conflicts on exactly the slots whose state its result depends on.
#include "strata/layers/vector.h"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#include "strata/tuple.h"

namespace strata::layers {
namespace {

// Slots are [0, kMaxSlots): every index + 1 the code forms stays representable.
constexpr int64_t kMaxSlots = std::numeric_limits<int64_t>::max() - 1;

void checkIndex(int64_t index, const char* what) {
  if (index < 0) {
    throwError(ErrorCode::index_out_of_range,
               std::string(what) + " " + std::to_string(index) + " is negative");
  }
}

// For indexes that get written (and sizes): also below the largest size.
void checkWritableIndex(int64_t index, const char* what, int64_t limit = kMaxSlots - 1) {
  checkIndex(index, what);
  if (index > limit) {
    throwError(ErrorCode::index_out_of_range,
               std::string(what) + " " + std::to_string(index) + " is past the largest vector");
  }
}

[[noreturn]] void outOfRange(int64_t index, int64_t size) {
  throwError(ErrorCode::index_out_of_range,
             "index " + std::to_string(index) + " in a vector of size " + std::to_string(size));
}

}  // namespace

// Python's slice.indices(): clamps begin/end to the vector and resolves negative and missing
// bounds.
Vector::Slice Vector::resolveSlice(std::optional<int64_t> begin, std::optional<int64_t> end,
                                   int64_t step, int64_t size) {
  if (step == 0) throwError(ErrorCode::client_invalid_operation, "vector slice step is 0");
  const int64_t lower = step < 0 ? -1 : 0;
  const int64_t upper = step < 0 ? size - 1 : size;
  auto resolve = [&](std::optional<int64_t> bound, int64_t missing) {
    if (!bound) return missing;
    int64_t v = *bound;
    if (v < 0) {
      v = v < -size ? lower : v + size;  // written to avoid overflow for INT64_MIN
      return std::max(v, lower);
    }
    return std::min(v, upper);
  };
  const int64_t first = resolve(begin, step < 0 ? upper : lower);
  const int64_t stop = resolve(end, step < 0 ? lower : upper);
  int64_t count = 0;
  if (step > 0 && first < stop) count = (stop - first - 1) / step + 1;
  // -step would overflow for INT64_MIN; any step that large selects one index at most.
  if (step < 0 && first > stop) count = step == INT64_MIN ? 1 : (first - stop - 1) / (-step) + 1;
  return {first, count};
}

Vector::Vector(Subspace subspace, std::string defaultValue)
    : subspace_(std::move(subspace)),
      defaultValue_(std::move(defaultValue)),
      begin_(subspace_.key() + '\x00'),
      end_(subspace_.key() + '\xff') {
  if (defaultValue_.size() > kMaxValueSize) {
    throwError(ErrorCode::value_too_large, "vector default value");
  }
}

std::string Vector::keyOf(int64_t index) const {
  checkIndex(index, "index");
  return subspace_.pack(Tuple{index});
}

int64_t Vector::indexOf(std::string_view key) const {
  Tuple t = subspace_.unpack(key);
  if (t.size() != 1) {
    throwError(ErrorCode::invalid_tuple_data_type,
               "vector slot key holds " + t.toString() + ", not (index,)");
  }
  int64_t index = t.getInt(0);
  if (index < 0) throwError(ErrorCode::invalid_tuple_data_type, "negative vector slot key");
  return index;
}

std::optional<int64_t> Vector::lastIndex(Transaction& tr) const {
  std::string last = tr.getKey(KeySelector::lastLessThan(end_), Snapshot::kYes);
  if (last < begin_) return std::nullopt;
  return indexOf(last);
}

int64_t Vector::sizeSerializable(Transaction& tr) const {
  std::optional<int64_t> last = lastIndex(tr);
  // The size stays right while nothing is written at or after the last slot and it stays.
  tr.addReadConflictRange(last ? keyOf(*last) : begin_, end_);
  return last ? *last + 1 : 0;
}

std::optional<KeyValue> Vector::firstAtOrAfter(Transaction& tr, int64_t index) const {
  RangeOptions one;
  one.limit = 1;
  one.mode = StreamingMode::kExact;
  // A limited read conflicts only up to the row it returned (FoundationDB's rule).
  RangeBatch batch = tr.getRangeBatch(KeySelector::firstGreaterOrEqual(keyOf(index)),
                                      KeySelector::firstGreaterOrEqual(end_), one);
  if (batch.kvs.empty()) return std::nullopt;
  return std::move(batch.kvs.front());
}

void Vector::writeSlot(Transaction& tr, int64_t index, const std::optional<std::string>& value,
                       int64_t last) const {
  if (value) {
    tr.set(keyOf(index), *value);
  } else if (index == last) {
    tr.set(keyOf(index), defaultValue_);
  } else {
    tr.clear(keyOf(index));
  }
}

int64_t Vector::size(Transaction& tr) const { return sizeSerializable(tr); }

bool Vector::empty(Transaction& tr) const {
  RangeOptions one;
  one.limit = 1;
  one.mode = StreamingMode::kExact;
  return tr
      .getRangeBatch(KeySelector::firstGreaterOrEqual(begin_),
                     KeySelector::firstGreaterOrEqual(end_), one)
      .kvs.empty();
}

std::string Vector::get(Transaction& tr, int64_t index) const {
  if (index < 0) outOfRange(index, size(tr));
  std::optional<KeyValue> found = firstAtOrAfter(tr, index);
  if (!found) outOfRange(index, size(tr));
  if (indexOf(found->key) == index) return std::move(found->value);
  return defaultValue_;
}

std::optional<std::string> Vector::front(Transaction& tr) const {
  std::optional<KeyValue> found = firstAtOrAfter(tr, 0);
  if (!found) return std::nullopt;
  if (indexOf(found->key) == 0) return std::move(found->value);
  return defaultValue_;
}

std::optional<std::string> Vector::back(Transaction& tr) const {
  std::optional<int64_t> last = lastIndex(tr);
  tr.addReadConflictRange(last ? keyOf(*last) : begin_, end_);
  if (!last) return std::nullopt;
  std::optional<std::string> value = tr.get(keyOf(*last), Snapshot::kYes);
  // The slot cannot vanish under this transaction's own view: it was just found.
  return value ? std::move(value) : defaultValue_;
}

std::vector<std::string> Vector::getRange(Transaction& tr, std::optional<int64_t> begin,
                                          std::optional<int64_t> end, int64_t step) const {
  if (step == 0) throwError(ErrorCode::client_invalid_operation, "vector slice step is 0");
  const int64_t n = sizeSerializable(tr);
  auto [first, count] = resolveSlice(begin, end, step, n);
  std::vector<std::string> result(static_cast<size_t>(count), defaultValue_);
  if (count == 0) return result;
  const int64_t lastSelected = first + (count - 1) * step;
  const int64_t lo = std::min(first, lastSelected);
  const int64_t hi = std::max(first, lastSelected);
  // One read covers the selected slots; every slot not returned keeps the default, including
  // the ones after the last stored key of the sub-range (the original dropped those).
  for (const KeyValue& kv : tr.getRange(keyOf(lo), keyOf(hi + 1))) {
    const int64_t i = indexOf(kv.key);
    const int64_t offset = i - first;
    if (offset % step != 0) continue;
    result[static_cast<size_t>(offset / step)] = kv.value;
  }
  return result;
}

void Vector::set(Transaction& tr, int64_t index, std::string_view value) const {
  checkWritableIndex(index, "index");
  tr.set(keyOf(index), value);
}

int64_t Vector::push(Transaction& tr, std::string_view value) const {
  std::optional<int64_t> last = lastIndex(tr);
  const int64_t index = last ? *last + 1 : 0;
  checkWritableIndex(index, "push at index");
  // Slot K: a pop or shrink removing it changes where we append. Slot K+1: a concurrent push
  // writes it. A blind set() further out does not change the result of either order.
  if (last) tr.addReadConflictKey(keyOf(*last));
  const std::string key = keyOf(index);
  tr.addReadConflictKey(key);
  tr.set(key, value);
  return index;
}

bool Vector::pushAt(Transaction& tr, int64_t index, std::string_view value) const {
  checkWritableIndex(index, "index");
  std::optional<int64_t> last = lastIndex(tr);
  const int64_t n = last ? *last + 1 : 0;
  if (n == index) {
    if (last) tr.addReadConflictKey(keyOf(*last));
    const std::string key = keyOf(index);
    tr.addReadConflictKey(key);
    tr.set(key, value);
    return true;
  }
  tr.addReadConflictRange(last ? keyOf(*last) : begin_, end_);
  if (n == index + 1) return tr.get(keyOf(index), Snapshot::kYes) == value;
  return false;
}

std::optional<std::string> Vector::pop(Transaction& tr) const {
  std::optional<int64_t> last = lastIndex(tr);
  if (!last) {
    tr.addReadConflictKey(keyOf(0));  // a push would make the vector non-empty
    return std::nullopt;
  }
  const int64_t k = *last;
  const std::string lastKey = keyOf(k);
  Future<std::optional<std::string>> value = tr.getAsync(lastKey);  // conflict on slot K
  Future<std::optional<std::string>> previous;
  if (k > 0) previous = tr.getAsync(keyOf(k - 1));  // conflict on slot K-1
  tr.addReadConflictKey(keyOf(k + 1));              // a concurrent push writes slot K+1
  std::optional<std::string> popped = value.get();
  if (k > 0 && !previous.get()) tr.set(keyOf(k - 1), defaultValue_);
  tr.clear(lastKey);
  return popped ? std::move(popped) : defaultValue_;
}

void Vector::swap(Transaction& tr, int64_t i, int64_t j) const {
  const int64_t n = sizeSerializable(tr);
  if (i < 0 || i >= n) outOfRange(i, n);
  if (j < 0 || j >= n) outOfRange(j, n);
  if (i == j) return;
  Future<std::optional<std::string>> vi = tr.getAsync(keyOf(i));
  Future<std::optional<std::string>> vj = tr.getAsync(keyOf(j));
  std::optional<std::string> valueI = vi.get();
  std::optional<std::string> valueJ = vj.get();
  // The original left the last slot unchanged when swapping it with an unset slot; here an
  // unset value landing on the last slot is stored as the default.
  writeSlot(tr, i, valueJ, n - 1);
  writeSlot(tr, j, valueI, n - 1);
}

void Vector::resize(Transaction& tr, int64_t size) const {
  checkWritableIndex(size, "size", kMaxSlots);
  const int64_t n = sizeSerializable(tr);
  if (size < n) {
    tr.clearRange(keyOf(size), end_);
    if (size > 0) {
      const std::string newLast = keyOf(size - 1);
      if (!tr.get(newLast)) tr.set(newLast, defaultValue_);
    }
  } else if (size > n) {
    tr.set(keyOf(size - 1), defaultValue_);
  }
}

void Vector::clear(Transaction& tr) const { tr.clearRange(begin_, end_); }

// ---- Database conveniences -------------------------------------------------------------------

int64_t Vector::size(Database& db) const {
  return db.read([&](Transaction& tr) { return size(tr); });
}
bool Vector::empty(Database& db) const {
  return db.read([&](Transaction& tr) { return empty(tr); });
}
std::string Vector::get(Database& db, int64_t index) const {
  return db.read([&](Transaction& tr) { return get(tr, index); });
}
std::optional<std::string> Vector::front(Database& db) const {
  return db.read([&](Transaction& tr) { return front(tr); });
}
std::optional<std::string> Vector::back(Database& db) const {
  return db.read([&](Transaction& tr) { return back(tr); });
}
std::vector<std::string> Vector::getRange(Database& db, std::optional<int64_t> begin,
                                          std::optional<int64_t> end, int64_t step) const {
  return db.read([&](Transaction& tr) { return getRange(tr, begin, end, step); });
}
void Vector::set(Database& db, int64_t index, std::string_view value) const {
  db.run([&](Transaction& tr) { set(tr, index, value); });
}
int64_t Vector::push(Database& db, std::string_view value) const {
  return db.run([&](Transaction& tr) { return push(tr, value); });
}
bool Vector::pushAt(Database& db, int64_t index, std::string_view value) const {
  return db.run([&](Transaction& tr) { return pushAt(tr, index, value); });
}
std::optional<std::string> Vector::pop(Database& db) const {
  return db.run([&](Transaction& tr) { return pop(tr); });
}
void Vector::swap(Database& db, int64_t i, int64_t j) const {
  db.run([&](Transaction& tr) { swap(tr, i, j); });
}
void Vector::resize(Database& db, int64_t size) const {
  db.run([&](Transaction& tr) { resize(tr, size); });
}
void Vector::clear(Database& db) const {
  db.run([&](Transaction& tr) { clear(tr); });
}

}  // namespace strata::layers
