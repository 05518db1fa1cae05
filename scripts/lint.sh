#!/usr/bin/env bash
# clang-format check and clang-tidy over the sources (the rules in .clang-format and .clang-tidy).
#   scripts/lint.sh                   both
#   scripts/lint.sh --format          clang-format only
#   scripts/lint.sh --tidy [BUILD [DIR...]]
#                                     clang-tidy only, with BUILD's compile_commands.json (default
#                                     build/lint: the release preset configured with clang, not
#                                     built), over what it compiles from DIR... (default: lib
#                                     server load tests)
# CI runs both as ctest tests of the release preset (docs/CMakeLists.txt): clang-format over
# everything, clang-tidy over lib, server and load (the tests' programs would cost CI several
# minutes more; run the script before committing test code).
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
    # Configuring writes the compile commands and the generated headers; nothing is built. With
    # clang, the library and the server are read in unity batches, so Asio is parsed once per
    # batch of 8 sources instead of once per source (most of clang-tidy's time); no precompiled
    # header, since none is built here.
    cmake --preset release -B "$build" -DWAKEFUL_UNITY_BUILD=ON -DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON \
      -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang >/dev/null
  fi
  # What this build compiles from those directories: their sources, and the unity batches of
  # their targets. Only those: the other I/O backend's file, say, would be read with this build's
  # configuration and fail (both backends' headers in one unit).
  build_dir=$(cd "$build" && pwd)
  compiled=$(sed -n 's/^ *"file": "\(.*\)",\{0,1\}$/\1/p' "$build/compile_commands.json")
  sources=$(for dir in "${dirs[@]}"; do
    printf '%s\n' "$compiled" | grep -E "^($PWD/$dir/|$build_dir/$dir/.*/Unity/)" || true
  done | grep -v "^$PWD/tests/package/" | sort -u)
  # --warnings-as-errors: a finding fails the run (and the ctest test), not just prints. A unity
  # batch includes .cpp files, which is what bugprone-suspicious-include is about.
  printf '%s\n' $sources | xargs -P "$(nproc)" -n 2 clang-tidy -p "$build" --quiet --warnings-as-errors='*' \
    --checks=-bugprone-suspicious-include --extra-arg=-Wno-unknown-warning-option
  echo "lint: clang-tidy: $(echo "$sources" | wc -l) units clean"
fi
