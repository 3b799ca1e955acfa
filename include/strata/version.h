// The version of the strata library this program is linked with. The version is written in one
// place, the top-level CMakeLists.txt (`project(strata VERSION ...)`); the CLI's `--version`, the
// CMake package (`find_package(strata 0.1)`), pkg-config's strata.pc and the Debian package all
// report the same string.
//
// Versioning: semantic versioning. While the major version is 0, a minor release may change the
// API and ABI; the shared library's SONAME carries major.minor (libstrata.so.0.1) for that reason.
//
// Thread safety: every function here may be called from any thread, at any time.
#pragma once

#include <string_view>

namespace strata {

// The library's version, "MAJOR.MINOR.PATCH" (for example "0.1.0").
// Returns: a view of a string with static storage duration.
// Lifetime: valid for the whole program.
[[nodiscard]] std::string_view version() noexcept;

// The three numbers of version(), parsed.
struct Version {
  int major = 0;
  int minor = 0;
  int patch = 0;
};

// Returns: version() as numbers.
[[nodiscard]] Version versionNumbers() noexcept;

}  // namespace strata
