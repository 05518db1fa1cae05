#!/usr/bin/env bash
# Installs the Debian 12 packages wakeful needs to build and test it (and, with --bench, to run
# the side-by-side benchmarks), and nothing else. Packages already present are left alone; when
# every one is present this does nothing (and needs neither root nor the network).
#   scripts/setup-debian.sh [--bench]
set -euo pipefail

packages=(
  # build (lld links the test programs in a fraction of ld's time)
  cmake ninja-build g++ clang lld
  # sanitizer runtimes for clang (asan, ubsan, tsan)
  libclang-rt-14-dev
  # libraries (Boost for the Boost.Asio build; pkgconf for the pkg-config consumer check)
  libasio-dev libboost1.81-dev node-llhttp doctest-dev pkgconf
  # scripts/fetch-asio.sh (other suites' libasio-dev for the compatibility builds)
  curl xz-utils ca-certificates
  # load tests and the side-by-side reference server
  wrk nginx-light
  # the source checks run by the tests: API reference, format, lint
  doxygen clang-format clang-tidy
)
if [ "${1:-}" = "--bench" ]; then
  # the Rust reference (offline, from Debian's crates), the comparison scripts, profilers
  packages+=(cargo librust-tokio-dev librust-futures-dev python3 gnuplot-nox linux-perf strace valgrind)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "setup: missing packages (${missing[*]}) and no root or sudo to install them" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have empty package lists; refresh them once if the install fails.
if ! "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"; then
  "${sudo[@]}" apt-get update
  "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi
