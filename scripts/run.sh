#!/usr/bin/env bash
# README's first command: set up a fresh Debian 12 machine, build the release preset and start
# wakeful-httpd on port 8080 of every interface (Ctrl-C drains and stops it). Arguments are passed
# to the server, e.g. scripts/run.sh --root ./site --threads 2 (or --bind 127.0.0.1 for this
# machine only).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-debian.sh
cmake --preset release >/dev/null
cmake --build --preset release --target wakeful-httpd
echo "starting wakeful-httpd (Ctrl-C to stop); its first line says where it listens" >&2
exec build/release/server/wakeful-httpd --port 8080 "$@"
