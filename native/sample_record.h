// The binary layout of one captured stack. The signal handler writes it into
// the ring, the sampling thread copies it to the pending store, and
// lib/drain/decode.ts decodes it. Keep this file and DrainFormat in lib/drain/decode.ts in
// step (little-endian, 8-byte aligned).
#pragma once

#include <cstdint>

namespace nodeinstrument {

struct SampleHeader {
  uint64_t seq;                // value of the shared sequence when captured
  uint64_t time_ns;            // CLOCK_MONOTONIC when captured
  uint64_t cpu_time_ns;        // JS thread CPU time, read just before the signal
  uint64_t external_callback;  // SampleInfo::external_callback_entry
  uint32_t vm_state;           // v8::StateTag
  uint16_t frame_count;        // frames that follow; frames[0] is the pc
  uint16_t flags;              // kSampleFlag*
  uint32_t label_set;          // the JS thread's label slot when captured; 0: none
  uint32_t native_chain;       // kSampleFlagInterrupt: return addresses after the frames (see below); else 0
};
static_assert(sizeof(SampleHeader) == 48, "layout shared with lib/drain/decode.ts");

// The event loop was waiting for I/O (between libuv's prepare and check).
constexpr uint16_t kSampleFlagIdle = 1;
// The stack was deeper than the frame limit; the root-most frames are missing.
constexpr uint16_t kSampleFlagTruncated = 2;
// The signal interrupted a blocking system call: the thread was off the CPU.
constexpr uint16_t kSampleFlagBlocked = 4;
// One more uint64 follows the frames: the word at the top of the stack (*sp)
// when the signal came. Where the pc is in a frameless builtin or a C
// function called without a frame, it is the return address into the
// caller, a frame V8's stack walk skips (V8's CpuProfiler reads it too).
constexpr uint16_t kSampleFlagTopOfStack = 8;
// CPU mode: the kernel's timer on the thread's CPU time sent the signal
// (CpuTimer), so the thread was running the stack that used the time. Without
// it, the sampling thread sent the signal after it saw the CPU clock cross,
// and the thread may have gone back to its event loop since.
constexpr uint16_t kSampleFlagCpuTimer = 16;
// Taken in a V8 interrupt callback (SamplerOptions::interrupts): frames[0]
// (no pc) is 0. V8 serves interrupts at the stack-guard checks of JavaScript
// (then the walk's first frame is the leaf) and inside some C++ (JSON.stringify,
// regular expressions): which, the native_chain return addresses that follow
// the frames (and the top-of-stack word, never set here) say: the callers of
// the callback, innermost first, by the frame-pointer chain
// (lib/symbolize/interrupt-site.ts reads them).
constexpr uint16_t kSampleFlagInterrupt = 32;
constexpr uint32_t kMaxNativeChain = 6;

// One JIT code event as stored in the code event log, followed by name_len
// bytes padded to 8 bytes: the UTF-8 name (kCodeEventAdded), or the line
// position table (kCodeEventLines: uint32 pairs of code offset and script
// offset, 0xffffffff for none; start is the code's start address).
struct CodeEventHeader {
  uint8_t kind;       // kCodeEvent*
  uint8_t code_type;  // v8::JitCodeEvent::CodeType
  uint16_t reserved;
  uint32_t name_len;  // bytes of payload after the header (a name, a line table, a listing)
  uint64_t seq;
  uint64_t start;
  uint64_t size;
  uint64_t new_start;  // for kCodeEventMoved
};
static_assert(sizeof(CodeEventHeader) == 40, "layout shared with lib/drain/decode.ts");

constexpr uint8_t kCodeEventAdded = 1;
constexpr uint8_t kCodeEventMoved = 2;
constexpr uint8_t kCodeEventLines = 3;
// V8's listing of existing code, in columns (native/code_listing.h), with the
// sequence number of its end: everything listed existed before it.
constexpr uint8_t kCodeEventListing = 4;

inline constexpr uint64_t AlignUp8(uint64_t n) { return (n + 7) & ~uint64_t{7}; }

}  // namespace nodeinstrument
