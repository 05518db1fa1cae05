#!/usr/bin/env bash
# clang-format check and clang-tidy over the sources (the rules in .clang-format and .clang-tidy).
#   scripts/lint.sh                   both, with the release build's compile commands
#   scripts/lint.sh --format          clang-format only
#   scripts/lint.sh --tidy [BUILD [DIR...]]
#                                     clang-tidy only, with BUILD's compile_commands.json, over the
#                                     sources under DIR... (default: lib server load tests)
# The release preset runs them as ctest tests (docs/CMakeLists.txt), so CI runs them: clang-format
# over everything, clang-tidy over lib, server and load (the tests' hundred programs would double
# CI's time; run the script before committing test code).
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
build=${2:-build/release}
dirs=("${@:3}")
[ ${#dirs[@]} -gt 0 ] || dirs=(lib server load tests)

if [ "$what" = all ] || [ "$what" = --format ]; then
  files=$(git ls-files '*.cpp' '*.hpp' | grep -v '^tests/package/consumer/')
  clang-format --dry-run --Werror $files
  echo "lint: clang-format: $(echo "$files" | wc -l) files formatted"
fi
if [ "$what" = all ] || [ "$what" = --tidy ]; then
  [ -f "$build/compile_commands.json" ] || cmake --preset release >/dev/null
  # Only the sources this build compiles: the other I/O backend's file, say, would be read with
  # this build's configuration and fail (both backends' headers in one unit).
  sources=$(git ls-files "${dirs[@]/%//*.cpp}" | grep -v '^tests/package/' |
    while read -r f; do grep -qF "\"file\": \"$PWD/$f\"" "$build/compile_commands.json" && echo "$f"; done || true)
  # --warnings-as-errors: a finding fails the run (and the ctest test), not just prints.
  printf '%s\n' $sources | xargs -P "$(nproc)" -n 4 clang-tidy -p "$build" --quiet --warnings-as-errors='*' \
    --extra-arg=-Wno-unknown-warning-option
  echo "lint: clang-tidy: $(echo "$sources" | wc -l) files clean"
fi
