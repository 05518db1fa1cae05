#!/usr/bin/env bash
# README's first command: set up a fresh Debian 12 machine, build the release preset and run.
# Until wakeful-httpd exists, this runs the fan_in example program. Arguments are passed on.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-debian.sh
cmake --preset release >/dev/null
cmake --build --preset release
exec build/release/lib/examples/fan_in "$@"
