#!/usr/bin/env bash
# The addon built with AddressSanitizer + UndefinedBehaviorSanitizer, and the
# tests that drive the native sampler run against it.
#   scripts/test-asan.sh [test files...]    (npm run test:asan)
#
# The build happens in a copy of the package (default $TMPDIR/nodeinstrument-asan,
# or $ASAN_DIR) so build/Release stays the normal addon. Node itself is not
# instrumented, so libasan is preloaded (it must come first) and leak
# detection is off (Node and V8 keep memory until exit on purpose). Any ASan
# or UBSan report aborts the process, which fails its test.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${ASAN_DIR:-${TMPDIR:-/tmp}/nodeinstrument-asan}"
cxx="${CXX:-g++}"
libasan="$("$cxx" -print-file-name=libasan.so)"
if [ ! -e "$libasan" ]; then
  echo "test-asan: $cxx has no libasan.so (install the compiler's sanitizer runtime)" >&2
  exit 1
fi
libasan="$(readlink -f "$libasan")"

echo "== ASan+UBSan build of the addon in $dir"
rm -rf "$dir"
mkdir -p "$dir"
cp -r "$root/binding.gyp" "$root/package.json" "$root/native" "$root/bin" "$root/dist" "$root/test" "$dir/"
ln -s "$root/node_modules" "$dir/node_modules"
# Headers of the running Node (this machine's npm config points at the system Node's).
nodedir="${npm_config_nodedir:-$(dirname "$(dirname "$(node -p process.execPath)")")}"
(cd "$dir" && GYP_DEFINES="sanitize=address,undefined" node "$root/node_modules/node-gyp/bin/node-gyp.js" rebuild --nodedir="$nodedir" >/dev/null 2>&1) || { echo "test-asan: the sanitizer build failed; run node-gyp rebuild in $dir to see why" >&2; exit 1; }
addon="$dir/build/Release/nodeinstrument.node"
# The build really is instrumented (a build without the flags would pass everything).
if ! ldd "$addon" | grep -q libasan || ! nm -D "$addon" | grep -q __ubsan_handle; then
  echo "test-asan: $addon is not instrumented with ASan and UBSan" >&2
  exit 1
fi

if [ $# -eq 0 ]; then
  # Everything that loads the addon and samples; the report renderers and
  # pure TypeScript tests gain nothing from it.
  set -- test/api.test.mjs test/stress.test.mjs test/accuracy-split.test.mjs test/cli.test.mjs \
    test/entry-points.test.mjs test/drain.test.mjs test/stress-matrix.test.mjs
fi
echo "== Node $(node --version) with $libasan preloaded: $*"
cd "$dir"
export LD_PRELOAD="$libasan${LD_PRELOAD:+ $LD_PRELOAD}"
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=1:allow_user_segv_handler=1:detect_stack_use_after_return=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export NODEINSTRUMENT_SANITIZED=1
node --test --test-concurrency=1 "$@"
