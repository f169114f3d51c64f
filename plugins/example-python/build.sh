#!/bin/sh
# Builds the example-python plugin as one executable file: a Python zipapp
# of src/ run by Debian's python3 (which has python3-grpcio). The host pins
# the file's checksum like any other plugin binary.
# Usage: build.sh OUTPUT
set -eu
out=${1:?usage: build.sh OUTPUT}
if ! /usr/bin/python3 -c 'import grpc, google.protobuf, cryptography' 2>/dev/null; then
  echo "example-python needs Debian's python3-grpcio, python3-protobuf and python3-cryptography" >&2
  exit 1
fi
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -R "$here/src/." "$tmp/"
find "$tmp" -name __pycache__ -prune -exec rm -rf {} +
/usr/bin/python3 -m zipapp "$tmp" -p /usr/bin/python3 -o "$out"
chmod 755 "$out"
