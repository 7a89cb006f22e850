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
cp -r "$root/binding.gyp" "$root/package.json" "$root/native" "$root/bin" "$root/dist" "$root/test" "$root/scripts" "$dir/"
ln -s "$root/node_modules" "$dir/node_modules"
# Headers of the running Node (this machine's npm config points at the system Node's).
nodedir="${npm_config_nodedir:-$(dirname "$(dirname "$(node -p process.execPath)")")}"
(cd "$dir" && GYP_DEFINES="sanitize=address,undefined" node "$root/node_modules/node-gyp/bin/node-gyp.js" rebuild --nodedir="$nodedir" >/dev/null 2>&1) || { echo "test-asan: the sanitizer build failed; run node-gyp rebuild in $dir to see why" >&2; exit 1; }
addon="$dir/build/Release/nodeinstrument.node"
# The build really is instrumented (a build without the flags would pass everything).
libs="$(ldd "$addon")"
symbols="$(nm -D "$addon")"
if [[ "$libs" != *libasan* || "$symbols" != *__ubsan_handle* ]]; then
  echo "test-asan: $addon is not instrumented with ASan and UBSan" >&2
  exit 1
fi

export LD_PRELOAD="$libasan${LD_PRELOAD:+ $LD_PRELOAD}"
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=1:allow_user_segv_handler=1:detect_stack_use_after_return=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
cd "$dir"
echo "== Node $(node --version) with $libasan preloaded"
if [ $# -gt 0 ]; then
  exec node --test --test-concurrency=1 "$@"
fi
# The tests that take the sampler through the usual causes of crashes: the
# stress matrix, signal conflicts, hostile names and failed writes, start/stop
# cycles, V8's profiler around ours, the CLI's exit and signal paths, the
# handler near the end of the stack and V8 flags turned on under it. Left
# out: bounds on speed and shares (ASan slows every allocation of Node, and
# the profiler's own start shows in short profiles), and pure TypeScript.
# The stress matrix runs under default flags and --stress-compaction (code objects moved
# under the sampler: the code map's native side); the first pass runs six of the eight
# flags without sanitizers, the later passes --always-osr too
# (NODEINSTRUMENT_STRESS_FLAGS=<list> to choose; 'none' is default flags).
export NODEINSTRUMENT_STRESS_FLAGS="${NODEINSTRUMENT_STRESS_FLAGS:-none,--stress-compaction}"
status=0
node --test --test-concurrency=1 test/e2e/stress-matrix.test.mjs test/e2e/signal-conflicts.test.mjs \
  test/e2e/report-safety.test.mjs test/e2e/entry-points.test.mjs test/e2e/worker-threads.test.mjs \
  test/e2e/stack-headroom.test.mjs test/e2e/native-stack-flag.test.mjs test/e2e/program-end.test.mjs || status=1
node --test --test-concurrency=1 \
  --test-name-pattern='start/stop cycles|inspector CPU profile|throws|process\.exit|Ctrl-C|SIGTERM|profiles an ES module' \
  test/e2e/stress.test.mjs test/e2e/cli.test.mjs || status=1
exit $status
