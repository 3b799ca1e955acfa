#!/usr/bin/env bash
# The packaging test: strata installs and is consumed like any library.
#   1. cmake --install into a scratch prefix: files in place, SONAME, `strata --version`, the
#      CMake package exports no private dependency.
#   2. find_package(strata) consumers: tests/packaging/consumer (shared and static) and every
#      program in examples/, built from the installed copy of examples/ and run.
#   3. pkg-config --cflags --libs strata: a program built and run.
#   4. CPack's strata_<version>_amd64.deb: name and dependencies; when run as root, installed with
#      apt-get, a program built against /usr and run, then purged. The installed package list is
#      compared before and after, so the machine is left as it was found.
# Usage: tests/packaging/package_test.sh [BUILD_DIR]   (default build/release, already built)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
build=$(cd "${1:-build/release}" && pwd)
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
[ -n "$version" ] || { echo "FAIL: no project version in $build/CMakeCache.txt" >&2; exit 1; }
# Under the build tree, at a fixed path, so ccache hits across runs.
work=$build/packaging-test
prefix=$work/prefix
export CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=1
installed_deb=0

cleanup() {
  if [ "$installed_deb" = 1 ]; then
    dpkg --purge strata >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "--- packaging: $*"; }

rm -rf "$work"
mkdir -p "$work"

targets=(strata_shared strata_static strata_cli strata_cli_docs)
if ninja -C "$build" -t targets all 2>/dev/null | grep '^fdb_c:' >/dev/null; then
  targets+=(fdb_c)
fi
step "build what installs (${targets[*]})"
cmake --build "$build" --target "${targets[@]}" >/dev/null

step "the umbrella header includes every public header"
for h in $(cd include && find strata -name '*.h' ! -path 'strata/testing/*' ! -name strata.h | sort); do
  # Directly, or through another public header (kv.h, error.h's error_table.h, ...).
  grep -rqF "#include \"$h\"" include/strata ||
    fail "include/strata/strata.h does not include $h: add it there"
done

step "cmake --install --prefix $prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$build/CMakeCache.txt")
libdir=${libdir:-lib}
for f in bin/strata include/strata/strata.h include/strata/version.h include/strata/kv.h \
  "$libdir/libstrata.so" "$libdir/libstrata.a" "$libdir/libstrata.so.$version" \
  "$libdir/cmake/strata/strataConfig.cmake" "$libdir/cmake/strata/strataConfigVersion.cmake" \
  "$libdir/pkgconfig/strata.pc" share/man/man1/strata.1 share/bash-completion/completions/strata \
  share/doc/strata/README.md share/doc/strata/CHANGELOG.md share/doc/strata/GUIDE.md \
  share/doc/strata/examples/CMakeLists.txt share/doc/strata/examples/kv_basics.cc; do
  [ -e "$prefix/$f" ] || fail "cmake --install did not install $f"
done
if [[ " ${targets[*]} " == *" fdb_c "* ]]; then
  [ -e "$prefix/$libdir/libfdb_c.so" ] || fail "cmake --install did not install libfdb_c.so"
  [ -e "$prefix/include/foundationdb/fdb_c.h" ] || fail "cmake --install did not install fdb_c.h"
fi
soname=$(readelf -d "$prefix/$libdir/libstrata.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
major_minor=$(echo "$version" | cut -d. -f1-2)
[ "$soname" = "libstrata.so.$major_minor" ] || fail "SONAME is '$soname', expected libstrata.so.$major_minor"
out=$("$prefix/bin/strata" --version)
[ "$out" = "strata $version" ] || fail "strata --version printed '$out', expected 'strata $version'"
if grep -Eiq 'grpc|lmdb|protobuf' "$prefix/$libdir/cmake/strata/strata-targets.cmake"; then
  fail "strata-targets.cmake (the shared library) leaks a private dependency"
fi
"$prefix/bin/strata" help --commands >"$work/commands"
bash -c "source '$prefix/share/bash-completion/completions/strata' && complete -p strata" >/dev/null ||
  fail "the installed bash completion does not load"

gen=(-G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

step "find_package consumer (shared and static)"
cmake -S tests/packaging/consumer -B "$work/consumer" "${gen[@]}" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/consumer" >/dev/null
[ "$("$work/consumer/consumer")" = "strata $version ok" ] || fail "the shared consumer did not run"
[ "$("$work/consumer/consumer_static")" = "strata $version ok" ] || fail "the static consumer did not run"
ldd "$work/consumer/consumer" | grep "libstrata.so.$major_minor => $prefix" >/dev/null ||
  fail "the shared consumer does not load libstrata.so from the install prefix"

step "the installed examples, built with find_package(strata 0.1) and run"
cmake -S "$prefix/share/doc/strata/examples" -B "$work/examples" "${gen[@]}" \
  -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/examples" >/dev/null
for exe in "$work"/examples/example_*; do
  "$exe" >/dev/null || fail "$(basename "$exe") failed against the installed package"
done

step "pkg-config consumer"
pc() { PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig" pkg-config "$@"; }
[ "$(pc --modversion strata)" = "$version" ] || fail "pkg-config --modversion strata is not $version"
# shellcheck disable=SC2046
c++ -std=c++20 tests/packaging/consumer/main.cc -o "$work/pc_consumer" $(pc --cflags --libs strata) \
  -Wl,-rpath,"$prefix/$libdir"
[ "$("$work/pc_consumer")" = "strata $version ok" ] || fail "the pkg-config consumer did not run"

step "cpack: strata_${version}_amd64.deb"
(cd "$build" && cpack -G DEB -B "$work/deb" >/dev/null)
deb=$work/deb/strata_${version}_amd64.deb
[ -f "$deb" ] || fail "cpack did not produce $(basename "$deb"): $(ls "$work/deb")"
depends=$(dpkg-deb -f "$deb" Depends)
for dep in libc6 libstdc++6 liblmdb0 nlohmann-json3-dev; do
  [[ "$depends" == *"$dep"* ]] || fail "the package does not depend on $dep: $depends"
done
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "the package's version is not $version"
contents=$(dpkg-deb -c "$deb")
for f in ./usr/bin/strata ./usr/include/strata/strata.h "/libstrata.so.$version" /strata.pc \
  ./usr/share/man/man1/strata.1 ./usr/share/bash-completion/completions/strata; do
  [[ "$contents" == *"$f"* ]] || fail "the package lacks $f"
done

if [ "$(id -u)" != 0 ]; then
  echo "--- packaging: not root: skipping the apt-get install of the .deb"
  echo "packaging test passed (without installing the .deb)"
  exit 0
fi
if dpkg-query -W -f='${Status}' strata 2>/dev/null | grep "install ok installed" >/dev/null; then
  fail "a strata package is already installed on this machine; remove it (dpkg --purge strata) first"
fi

step "apt-get install ./$(basename "$deb")"
dpkg-query -W -f='${Package} ${Version}\n' | sort >"$work/packages.before"
installed_deb=1
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$deb" >/dev/null
[ "$(/usr/bin/strata --version)" = "strata $version" ] || fail "/usr/bin/strata --version"
c++ -std=c++20 tests/packaging/consumer/main.cc -o "$work/system_consumer" $(pkg-config --cflags --libs strata)
[ "$("$work/system_consumer")" = "strata $version ok" ] || fail "a program built against /usr did not run"
cmake -S "$root/examples" -B "$work/system_examples" "${gen[@]}" >/dev/null
cmake --build "$work/system_examples" --target example_kv_basics >/dev/null
"$work/system_examples/example_kv_basics" >/dev/null || fail "example_kv_basics against /usr failed"

step "dpkg --purge strata"
dpkg --purge strata >/dev/null
installed_deb=0
dpkg-query -W -f='${Package} ${Version}\n' | sort >"$work/packages.after"
grep -v '^strata ' "$work/packages.before" | diff - "$work/packages.after" >/dev/null ||
  fail "installing and removing the package changed other packages"
[ ! -e /usr/bin/strata ] || fail "/usr/bin/strata is still there after the purge"
echo "packaging test passed"
