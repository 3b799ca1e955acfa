// libFuzzer target: Tuple::unpack on arbitrary bytes. Malformed input must raise
// invalid_tuple_data_type (2250) and nothing else; a tuple that decodes must survive
// pack -> unpack unchanged, and its ordering must agree with the packed bytes' ordering.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "strata/kv/error.h"
#include "strata/tuple.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  strata::Tuple t;
  try {
    t = strata::Tuple::unpack(bytes);
  } catch (const strata::Error& e) {
    if (e.code() != 2250) std::abort();  // the documented error, only
    return 0;
  }
  std::string packed;
  try {
    packed = t.pack();
  } catch (const strata::Error&) {
    return 0;  // e.g. an incomplete versionstamp: pack() refuses it by contract
  }
  strata::Tuple again = strata::Tuple::unpack(packed);
  if (!(again == t)) std::abort();
  if (again.pack() != packed) std::abort();  // canonical after one round
  (void)t.toString();
  return 0;
}
