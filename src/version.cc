// strata::version(): the project version, passed in by the build (src/CMakeLists.txt).
#include "strata/version.h"

#include <charconv>

#ifndef STRATA_VERSION_STRING
#error "STRATA_VERSION_STRING must be defined by the build (the project version)"
#endif

namespace strata {

std::string_view version() noexcept { return STRATA_VERSION_STRING; }

Version versionNumbers() noexcept {
  std::string_view text = version();
  int parts[3] = {0, 0, 0};
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (int i = 0; i < 3 && p < end; ++i) {
    auto [next, ec] = std::from_chars(p, end, parts[i]);
    if (ec != std::errc()) break;
    p = next;
    if (p < end && *p == '.') ++p;
  }
  return Version{parts[0], parts[1], parts[2]};
}

}  // namespace strata
