#include "strata/subspace.h"

#include "strata/kv/error.h"

namespace strata {

Subspace::Subspace(const Tuple& prefixTuple, std::string_view rawPrefix) : prefix_(rawPrefix) {
  prefixTuple.packTo(prefix_);
}

std::string Subspace::pack(const Tuple& t) const {
  std::string key = prefix_;
  t.packTo(key);
  return key;
}

std::string Subspace::packWithVersionstamp(const Tuple& t) const {
  return t.packWithVersionstamp(prefix_);
}

Tuple Subspace::unpack(std::string_view key) const {
  if (!contains(key)) {
    throwError(ErrorCode::key_not_in_subspace, "key " + TupleElement(Bytes(key)).toString() +
                                                   " does not start with " +
                                                   TupleElement(Bytes(prefix_)).toString());
  }
  return Tuple::unpack(key.substr(prefix_.size()));
}

KeyRange Subspace::range(const Tuple& t) const {
  std::string p = pack(t);
  return KeyRange{p + '\x00', p + '\xff'};
}

bool Subspace::contains(std::string_view key) const noexcept { return key.starts_with(prefix_); }

Subspace Subspace::sub(const Tuple& t) const { return Subspace(pack(t)); }

Subspace Subspace::operator[](const TupleElement& element) const {
  std::string key = prefix_;
  Tuple{element}.packTo(key);
  return Subspace(std::move(key));
}

std::string Subspace::toString() const {
  return "Subspace(" + TupleElement(Bytes(prefix_)).toString() + ")";
}

}  // namespace strata
