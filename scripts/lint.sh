#!/usr/bin/env bash
# clang-format check and clang-tidy over the sources, using the release build's compile commands.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.cpp' '*.hpp' | grep -v '^tests/package/consumer/')
clang-format --dry-run --Werror $files
[ -f build/release/compile_commands.json ] || cmake --preset release >/dev/null
sources=$(git ls-files 'lib/*.cpp' 'server/*.cpp' 'load/*.cpp' 'tests/*.cpp' | grep -v '^tests/package/')
printf '%s\n' $sources | xargs -P "$(nproc)" -n 4 clang-tidy -p build/release --quiet --extra-arg=-Wno-unknown-warning-option
