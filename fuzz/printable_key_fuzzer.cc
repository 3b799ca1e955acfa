// libFuzzer target: the printable-key and key-selector text of the CLI. unprintable() on any
// text either raises invalid_input (3005) or returns bytes that printable() renders back into
// text unprintable() reads as the same bytes; printable() of any bytes reads back exactly.
// KeySelector::toString() of a selector built from the input must not fail.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "strata/kv/error.h"
#include "strata/kv/key_selector.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // Raw bytes -> printable -> bytes.
  if (strata::unprintable(strata::printable(text)) != text) std::abort();
  // Text -> bytes (or 3005) -> printable -> the same bytes.
  try {
    std::string bytes = strata::unprintable(text);
    if (strata::unprintable(strata::printable(bytes)) != bytes) std::abort();
  } catch (const strata::Error& e) {
    if (e.code() != 3005) std::abort();
  }
  // Selectors over the input and the key helpers.
  int offset = size > 0 ? static_cast<int8_t>(data[0]) : 1;
  strata::KeySelector sel{std::string(text), size > 1 && (data[1] & 1), offset};
  (void)sel.toString();
  (void)(sel + 3).toString();
  if (strata::keyAfter(text) <= text) std::abort();
  try {
    std::string next = strata::strinc(text);
    if (next <= text) std::abort();
  } catch (const strata::Error& e) {
    if (e.code() != 2000) std::abort();  // empty or all-0xff prefix
  }
  return 0;
}
