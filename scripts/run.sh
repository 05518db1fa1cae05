#!/usr/bin/env bash
# README's first command: set up a fresh Debian 12 machine, build the release preset and start
# wakeful-httpd on port 8080 (Ctrl-C drains and stops it). Arguments are passed to the server,
# e.g. scripts/run.sh --root ./site --threads 2
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-debian.sh
cmake --preset release >/dev/null
cmake --build --preset release --target wakeful-httpd
echo "starting wakeful-httpd: open http://127.0.0.1:8080/ (Ctrl-C to stop)" >&2
exec build/release/server/wakeful-httpd --port 8080 "$@"
