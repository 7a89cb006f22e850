#!/usr/bin/env bash
# Builds the prebuilt addons shipped in the npm package, with prebuildify:
#   prebuilds/linux-x64/nodeinstrument.abi<ABI>.glibc.node
# one for each Node.js major (20, 22, 24 by default, or the versions given).
#   scripts/prebuild.sh                   # npm run build:prebuilds
#   scripts/prebuild.sh 22.23.3           # only some versions
#
# The addon uses V8's C++ API, so a build fits one Node ABI
# (process.versions.modules), not every Node as a Node-API build would: the
# names carry the ABI (--napi=false), and node-gyp-build picks the one that
# matches at run time. They are tagged glibc so that musl (Alpine) builds from
# source instead of loading a binary it cannot run.
#
# Each version is built against the headers of that Node release from the npm
# registry (scripts/fetch-node.sh), with that Node first on PATH; node-gyp
# never downloads headers. The builds run in a staging copy of the sources
# under .cache/, so build/Release (the development build) is left alone.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(20.20.2 22.23.3 24.21.0)

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "prebuild: the prebuilt binaries are built on Linux x86_64 (this is $(uname -s)-$(uname -m))" >&2; exit 1 ;;
esac

stage="$root/.cache/prebuild-stage"
rm -rf "$stage"
mkdir -p "$stage"
trap 'rm -rf "$stage"' EXIT
cp -r "$root/binding.gyp" "$root/package.json" "$root/native" "$stage/"
# node-addon-api (binding.gyp's include_dirs) and node-gyp from the project.
ln -s "$root/node_modules" "$stage/node_modules"

rm -rf "$root/prebuilds"
mkdir -p "$root/prebuilds"
for version in "${versions[@]}"; do
  dir="$("$root/scripts/fetch-node.sh" "$version")"
  abi="$("$dir/bin/node" -p process.versions.modules)"
  echo "== prebuild: Node $version (ABI $abi)"
  start=$SECONDS
  (
    cd "$stage"
    export PATH="$dir/bin:$PATH"
    # node-gyp takes npm_config_* from the environment: build against these
    # headers (this machine's npm config sets nodedir to the system Node's).
    export npm_config_nodedir="$dir"
    node "$root/node_modules/prebuildify/bin.js" --napi=false --tag-libc --strip \
      --target "$version" --node-gyp "$root/node_modules/.bin/node-gyp" --quiet
  )
  # Check that the binary loads in the Node it was built for.
  built="$stage/prebuilds/linux-x64/nodeinstrument.abi$abi.glibc.node"
  "$dir/bin/node" -e "const a = require(process.argv[1]); if (typeof a.start !== 'function') throw new Error('no start()')" "$built"
  echo "   $(basename "$built"): $(stat -c %s "$built") bytes, $((SECONDS - start)) s"
done
cp -r "$stage/prebuilds/." "$root/prebuilds/"
ls -l "$root/prebuilds/linux-x64"
