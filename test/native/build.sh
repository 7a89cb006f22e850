#!/bin/sh
# Builds the native lock-free tests (test/native/lockfree_test.cc with the
# sampler's own sources) with a sanitizer.
#   test/native/build.sh <thread|address|none> <output-binary>
# `address` is AddressSanitizer + UndefinedBehaviorSanitizer. The V8 and libuv
# headers come from the running Node's include directory (or $NODE_INCLUDE).
set -eu
cd "$(dirname "$0")/../.."
sanitizer=$1
out=$2
case "$sanitizer" in
  thread) flags="-fsanitize=thread" ;;
  address) flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined" ;;
  none) flags="" ;;
  *) echo "usage: $0 <thread|address|none> <output>" >&2; exit 2 ;;
esac
include=${NODE_INCLUDE:-$(dirname "$(dirname "$(node -p process.execPath)")")/include/node}
[ -f "$include/v8.h" ] || include=/usr/include/node
mkdir -p "$(dirname "$out")"
# shellcheck disable=SC2086
exec "${CXX:-g++}" -std=c++20 -O1 -g -fno-omit-frame-pointer $flags -Wall -Wextra -Wno-unused-parameter \
  -I"$include" test/native/lockfree_test.cc native/sampler.cc native/cpu_timer.cc native/code_event_log.cc native/code_listing.cc \
  -o "$out" -lpthread
