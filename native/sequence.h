// One counter orders code events and samples. Every code event takes a number
// from it; every sample records its current value. A sample is symbolized
// after exactly the code events numbered below its value, so it is looked up
// in the code map as it was when the sample was taken (V8's CpuProfiler does
// the same).
#pragma once

#include <atomic>
#include <cstdint>

namespace nodeinstrument {

inline std::atomic<uint64_t> g_sequence{1};
static_assert(std::atomic<uint64_t>::is_always_lock_free,
              "the signal handler reads the sequence");

}  // namespace nodeinstrument
