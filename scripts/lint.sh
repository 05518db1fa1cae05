#!/usr/bin/env bash
# clang-format check and clang-tidy over the sources (the rules in .clang-format and .clang-tidy).
#   scripts/lint.sh                   both
#   scripts/lint.sh --format          clang-format only
#   scripts/lint.sh --tidy [BUILD [DIR...]]
#                                     clang-tidy only, with BUILD's compile_commands.json (default
#                                     build/lint: the release preset configured, not built, one
#                                     compile command per source), over the sources under DIR...
#                                     (default: lib server load tests)
# CI runs the clang-format check as a ctest test of the release preset (docs/CMakeLists.txt), but
# not clang-tidy: about six CPU-minutes for lib, server and load, more for the tests. Run this
# before committing (or configure with -DWAKEFUL_TIDY_CHECK=ON to have ctest run it).
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
build=${2:-build/lint}
dirs=("${@:3}")
[ ${#dirs[@]} -gt 0 ] || dirs=(lib server load tests)

if [ "$what" = all ] || [ "$what" = --format ]; then
  files=$(git ls-files '*.cpp' '*.hpp' | grep -v '^tests/package/consumer/')
  clang-format --dry-run --Werror $files
  echo "lint: clang-format: $(echo "$files" | wc -l) files formatted"
fi
if [ "$what" = all ] || [ "$what" = --tidy ]; then
  if [ ! -f "$build/compile_commands.json" ]; then
    # Configuring writes the compile commands and the generated headers; nothing is built.
    cmake --preset release -B "$build" -DWAKEFUL_UNITY_BUILD=OFF >/dev/null
  fi
  # Only the sources this build compiles: the other I/O backend's file, say, would be read with
  # this build's configuration and fail (both backends' headers in one unit).
  sources=$(git ls-files "${dirs[@]/%//*.cpp}" | grep -v '^tests/package/' |
    while read -r f; do grep -qF "\"file\": \"$PWD/$f\"" "$build/compile_commands.json" && echo "$f"; done || true)
  # --warnings-as-errors: a finding fails the run (and the ctest test), not just prints.
  printf '%s\n' $sources | xargs -P "$(nproc)" -n 4 clang-tidy -p "$build" --quiet --warnings-as-errors='*' \
    --extra-arg=-Wno-unknown-warning-option
  echo "lint: clang-tidy: $(echo "$sources" | wc -l) files clean"
fi
