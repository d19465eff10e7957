#!/usr/bin/env bash
# Builds Debian's CAF (libcaf_core only) with ThreadSanitizer, for the TSan
# build of downhill (./scripts/sanitize.sh thread).
#   ./scripts/build-caf-tsan.sh DIR    -> DIR/lib/libcaf_core.so
# Why: TSan sees synchronisation only in instrumented code. Debian's
# libcaf_core.so is not instrumented, and every message between two actors
# passes through it (enqueue and resume are compiled into the library), so
# against it TSan reports every message as a data race: thousands of
# reports per test, none of them real. With this library the same suite is
# checked for real.
# The source is the one Debian built its package from (apt-get source), at
# the installed package's version. The build is checked to be the same ABI:
# the headers must equal the installed /usr/include/caf, and the generated
# build_config.hpp too. Takes about 6 minutes of CPU; skipped when DIR
# already holds the library for this version.
set -euo pipefail
dir="$(realpath -m "${1:?usage: $0 DIR}")"
version="$(dpkg-query -W -f='${source:Version}' libcaf-core0.17)"
upstream="${version%%-*}"
stamp="$dir/built-from"
if [ -f "$dir/lib/libcaf_core.so" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
  echo "build-caf-tsan.sh: $dir/lib/libcaf_core.so ($version) is up to date"
  exit 0
fi
mkdir -p "$dir/src"
cd "$dir/src"
tarball="actor-framework_${upstream}.orig.tar.gz"
if [ ! -f "$tarball" ]; then
  # The source index is not configured on a fresh machine: add it for this
  # download only, from the same mirror as the binary packages.
  list=/etc/apt/sources.list.d/downhill-caf-source.sources
  uri="$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)"
  printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "${uri:-http://deb.debian.org/debian}" "$(. /etc/os-release && echo "$VERSION_CODENAME")" >"$list"
  trap 'rm -f "$list"' EXIT
  apt-get update -qq
  # Only the upstream tarball is used (Debian's packaging changes no source
  # file CAF's headers or library are built from: checked below). Some
  # mirrors lack the .debian.tar.xz, so a failure to fetch it is not fatal;
  # the tarball's checksum is checked against the signed .dsc instead.
  apt-get source --download-only "actor-framework=$version" || true
  rm -f "$list"
  trap - EXIT
fi
dsc="actor-framework_${version}.dsc"
[ -f "$tarball" ] && [ -f "$dsc" ] || {
  echo "build-caf-tsan.sh: could not download the source of actor-framework $version" >&2
  exit 1
}
expected="$(awk -v f="$tarball" '/^Checksums-Sha256:/{s=1;next} /^[^ ]/{s=0} s && $3==f {print $1}' "$dsc")"
actual="$(sha256sum "$tarball" | cut -d' ' -f1)"
if [ -z "$expected" ] || [ "$expected" != "$actual" ]; then
  echo "build-caf-tsan.sh: $tarball does not match its .dsc checksum" >&2
  exit 1
fi
rm -rf "actor-framework-$upstream"
tar xzf "$tarball"
source_dir="$dir/src/actor-framework-$upstream"
# Same headers as the installed package, or the ABI may differ.
if diff -rq /usr/include/caf "$source_dir/libcaf_core/caf" | grep -v '^Only in /usr/include/caf'; then
  echo "build-caf-tsan.sh: the source's headers differ from /usr/include/caf" >&2
  exit 1
fi
cmake -S "$source_dir" -B "$dir/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS="-fsanitize=thread -fno-omit-frame-pointer" \
  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=thread" \
  -DCAF_NO_IO=yes -DCAF_NO_EXAMPLES=yes -DCAF_NO_UNIT_TESTS=yes \
  -DCAF_NO_OPENCL=yes -DCAF_NO_OPENSSL=yes -DCAF_NO_PYTHON=yes \
  -DCAF_NO_TOOLS=yes -DCAF_LOG_LEVEL=QUIET >/dev/null
cmake --build "$dir/build" -j"$(nproc)" --target libcaf_core_shared
# The same build configuration as the installed headers were made with.
diff /usr/include/caf/detail/build_config.hpp \
  "$dir/build/libcaf_core/caf/detail/build_config.hpp"
mkdir -p "$dir/lib"
cp -a "$dir/build/lib/"libcaf_core.so* "$dir/lib/"
echo "$version" >"$stamp"
echo "build-caf-tsan.sh: built $dir/lib/libcaf_core.so ($version, TSan)"
