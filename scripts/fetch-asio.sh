#!/usr/bin/env bash
# Unpacks the libasio-dev of another Debian suite into a directory, for the compatibility builds
# against other Asio releases, without touching the machine's apt sources: the .deb is
# header-only, so unpacking it is all an install would do.
#
#   scripts/fetch-asio.sh <suite> <dest>      suite: trixie (Asio 1.30) or sid (1.36)
#
# The headers end up in <dest>/usr/include; the version unpacked is printed and recorded in
# <dest>/VERSION. An existing <dest>/VERSION means the work is done and nothing is downloaded.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 <suite> <dest>   (suite: trixie, sid or any Debian suite name)" >&2
  exit 2
fi
suite=$1
dest=$2
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

if [ -f "$dest/VERSION" ] && [ -f "$dest/usr/include/asio/version.hpp" ]; then
  echo "fetch-asio: $suite: libasio-dev $(cat "$dest/VERSION") already in $dest"
  exit 0
fi

work=$(mktemp -d)
staging=
trap 'rm -rf "$work" ${staging:+"$staging"}' EXIT

fetch() {
  # --retry: the mirror is a CDN that occasionally drops a connection.
  curl --fail --silent --show-error --location --retry 3 --output "$2" "$1"
}

fetch "$mirror/dists/$suite/main/binary-all/Packages.xz" "$work/Packages.xz"
# The index is signed through the suite's InRelease, which this script does not verify (that
# needs the archive keyring and gpgv); the SHA256 below pins the .deb to the index it came from.
# Stanzas are separated by blank lines; take the first one for the package.
read -r version filename sha256 < <(xz -dc "$work/Packages.xz" | awk '
  /^$/ { if (found) exit; next }
  /^Package: / { found = ($2 == "libasio-dev") }
  found && /^Version: / { version = $2 }
  found && /^Filename: / { filename = $2 }
  found && /^SHA256: / { sha256 = $2 }
  END { if (version != "") print version, filename, sha256 }')
if [ -z "${filename:-}" ] || [ -z "${sha256:-}" ]; then
  echo "fetch-asio: no libasio-dev in $mirror's $suite/main binary-all index" >&2
  exit 1
fi

fetch "$mirror/$filename" "$work/asio.deb"
if ! echo "$sha256  $work/asio.deb" | sha256sum --check --quiet -; then
  echo "fetch-asio: $filename does not match the SHA256 in the $suite index ($sha256)" >&2
  exit 1
fi

# Unpack next to the destination and move it into place, so an interrupted run leaves no
# half-unpacked tree that a later run would take for a finished one.
mkdir -p "$(dirname "$dest")"
staging=$(mktemp -d "$(dirname "$dest")/.fetch-asio.XXXXXX")
chmod 755 "$staging"
dpkg-deb -x "$work/asio.deb" "$staging"
echo "$version" > "$staging/VERSION"
rm -rf "$dest"
mv "$staging" "$dest"
staging=
echo "fetch-asio: $suite: libasio-dev $version unpacked into $dest"
