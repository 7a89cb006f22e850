// Unit and concurrency tests of the native sampler's lock-free parts, built
// with ThreadSanitizer (and, separately, AddressSanitizer + UBSan) by
// test/native/build.sh and run by test/e2e/native-sanitizers.test.mjs.
//
//   ring        SampleRing edge cases: full, wrap marker, exact fit, short commit
//   ring-spsc   a producer and a consumer thread moving millions of records
//   sampler     the real Sampler (sampler.cc, code_event_log.cc) with V8's
//               stack walk and libuv stubbed: signals at 20 kHz from the
//               sampling thread, code events from another thread, drains
//               from this one, foreign signals; every record is checked and
//               so is the sequence invariant (a drained sample's code events
//               are drained by then)
//   in-flight   the JS thread blocks the signal: at most one signal is in
//               flight, so signals are not queued without bound
//   restart     many start/stop cycles while signals are in flight
//   listing     CodeListingBuilder (V8's listing of existing code in columns):
//               random listings with repeated and overlapping code against a
//               code map that applies them in order; names and line tables
//
// Usage: lockfree_test [test...]   (all tests when none is named)
// Prints one line per test; exits 1 on the first failed check. Data races,
// and calls of signal-unsafe functions inside the handler, are reported by
// the sanitizer itself (TSan exits 66).
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include <uv.h>
#include <v8.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../../native/code_listing.h"
#include "../../native/ring_buffer.h"
#include "../../native/sample_record.h"
#include "../../native/sampler.h"
#include "../../native/sequence.h"

using nodeinstrument::CodeEventHeader;
using nodeinstrument::SampleHeader;
using nodeinstrument::SampleRing;
using nodeinstrument::Sampler;
using nodeinstrument::SamplerOptions;

#define CHECK(cond, ...)                                                  \
  do {                                                                    \
    if (!(cond)) {                                                        \
      std::fprintf(stderr, "FAILED %s:%d: %s: ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                  \
      std::fprintf(stderr, "\n");                                         \
      std::exit(1);                                                       \
    }                                                                     \
  } while (0)

// ---------------------------------------------------------------------------
// Stubs for the V8 and libuv entry points the sampler uses. The fake stack
// walk writes a recognisable stack derived from the interrupted pc, like V8's
// it neither allocates nor locks.

namespace {
std::atomic<v8::JitCodeEventHandler> g_jit_handler{nullptr};
constexpr uintptr_t kFrameTag = 0x5a5a000000000000ull;
std::atomic<uint64_t> g_stack_walks{0};
}  // namespace

// Defined by V8 only on architectures that have callee-saved registers to report.
struct v8::CalleeSavedRegisters {};
v8::RegisterState::RegisterState() : pc(nullptr), sp(nullptr), fp(nullptr), lr(nullptr) {}
v8::RegisterState::~RegisterState() = default;
v8::RegisterState::RegisterState(const RegisterState& other) { *this = other; }
v8::RegisterState& v8::RegisterState::operator=(const RegisterState& other) {
  pc = other.pc;
  sp = other.sp;
  fp = other.fp;
  lr = other.lr;
  return *this;
}

void v8::Isolate::SetJitCodeEventHandler(JitCodeEventOptions, JitCodeEventHandler handler) {
  g_jit_handler.store(handler, std::memory_order_release);
}

v8::Isolate* v8::Isolate::TryGetCurrent() { return nullptr; }

// V8's interrupt queue, as the hybrid sampler sees it: a request waits until
// the "JS thread" of a test reaches a check (ServeInterrupts).
std::mutex g_interrupt_mutex;
std::vector<std::pair<v8::InterruptCallback, void*>> g_interrupts;
std::atomic<uint64_t> g_interrupt_requests{0};
void v8::Isolate::RequestInterrupt(InterruptCallback callback, void* data) {
  std::lock_guard<std::mutex> lock(g_interrupt_mutex);
  g_interrupts.emplace_back(callback, data);
  g_interrupt_requests.fetch_add(1, std::memory_order_relaxed);
}

// native/flag_probe.cc compiles a script through V8's handle API; no flag shows here.
namespace nodeinstrument {
void CompileProbeScript(v8::Isolate*) {}
}  // namespace nodeinstrument

// Set while a test's "JS thread" serves interrupts: every so often the walk
// there takes long, as a descheduled thread would, with the sampling thread
// ticking on (and signalling the thread in the middle of it).
thread_local bool t_serving_interrupts = false;
thread_local int t_walks_served = 0;

void v8::Isolate::GetStackSample(const RegisterState& state, void** frames, size_t frames_limit,
                                 SampleInfo* info) {
  g_stack_walks.fetch_add(1, std::memory_order_relaxed);
  if (t_serving_interrupts && ++t_walks_served % 50 == 0) {
    const timespec pause{0, 300 * 1000};
    nanosleep(&pause, nullptr);
  }
  const size_t depth = std::min<size_t>(frames_limit, 1 + (reinterpret_cast<uintptr_t>(state.pc) >> 4) % 40);
  for (size_t i = 0; i < depth; ++i) frames[i] = reinterpret_cast<void*>(kFrameTag | i);
  info->frames_count = depth;
  info->vm_state = v8::JS;
  info->external_callback_entry = nullptr;
}

namespace {
uv_prepare_t* g_prepare = nullptr;
uv_prepare_cb g_prepare_cb = nullptr;
uv_check_t* g_check = nullptr;
uv_check_cb g_check_cb = nullptr;
}  // namespace

extern "C" {
int uv_prepare_init(uv_loop_t*, uv_prepare_t*) { return 0; }
int uv_prepare_start(uv_prepare_t* handle, uv_prepare_cb cb) {
  g_prepare = handle;
  g_prepare_cb = cb;
  return 0;
}
int uv_prepare_stop(uv_prepare_t*) { return 0; }
int uv_check_init(uv_loop_t*, uv_check_t*) { return 0; }
int uv_check_start(uv_check_t* handle, uv_check_cb cb) {
  g_check = handle;
  g_check_cb = cb;
  return 0;
}
int uv_check_stop(uv_check_t*) { return 0; }
void uv_unref(uv_handle_t*) {}
void uv_close(uv_handle_t* handle, uv_close_cb cb) {
  if (cb != nullptr) cb(handle);
}
}

// ---------------------------------------------------------------------------
// Ring buffer.

namespace {

// Deterministic payload byte i of record n.
uint8_t PayloadByte(uint64_t n, size_t i) { return static_cast<uint8_t>((n * 131 + i * 7) ^ (n >> 8)); }

size_t PayloadSize(uint64_t n) { return 1 + (n * 2654435761u) % 300; }

void TestRing() {
  SampleRing ring(256);
  // 248 payload bytes + 8 of length fill the ring exactly.
  uint8_t* p = ring.Reserve(248);
  CHECK(p != nullptr, "an exact fit is accepted");
  std::memset(p, 0xab, 248);
  ring.Commit(248);
  CHECK(ring.Reserve(1) == nullptr, "a full ring refuses");
  size_t seen = 0;
  CHECK(ring.Consume([&](const uint8_t* data, size_t size) {
          CHECK(size == 248 && data[0] == 0xab && data[247] == 0xab, "payload intact");
          ++seen;
        }) == 1, "one record");
  CHECK(seen == 1, "one record seen");

  // Now at offset 0 again (256 consumed). Place a 192-byte record, consume
  // it, then ask for more than the 64 bytes left to the end: a wrap marker is
  // written there and the record lands at offset 0.
  p = ring.Reserve(184);
  CHECK(p != nullptr, "room");
  ring.Commit(184);
  ring.Consume([](const uint8_t*, size_t) {});
  p = ring.Reserve(80);  // needs 88 > 64 to the end
  CHECK(p != nullptr, "wraps");
  std::memset(p, 0x11, 5);
  ring.Commit(5);  // commit less than reserved: only 8 + 8 bytes are used
  p = ring.Reserve(40);
  CHECK(p != nullptr, "the unused part of a reservation is free again");
  std::memset(p, 0x22, 40);
  ring.Commit(40);
  std::vector<size_t> sizes;
  ring.Consume([&](const uint8_t* data, size_t size) {
    sizes.push_back(size);
    CHECK(data[0] == (size == 5 ? 0x11 : 0x22), "payload of a wrapped record");
  });
  CHECK(sizes.size() == 2 && sizes[0] == 5 && sizes[1] == 40, "wrap marker skipped, order kept");

  // A reservation that fits only if the wrapped-over tail is counted as used
  // must be refused: fill so that free space is split.
  SampleRing small(64);
  CHECK(small.Reserve(40) != nullptr, "48 of 64");
  small.Commit(40);
  small.Consume([](const uint8_t*, size_t) {});  // read = write = 48, 16 to the end
  CHECK(small.Reserve(16) != nullptr, "24 bytes do not fit in 16 to the end: wraps to 0");
  small.Commit(16);                              // used: 16 (skipped) + 24
  CHECK(small.Reserve(24) == nullptr, "only 24 - 8 bytes free after the wrap");
  CHECK(small.Reserve(16) != nullptr, "16 + 8 fit exactly");
  small.Commit(16);
  CHECK(small.Reserve(0) == nullptr, "full");
  size_t count = small.Consume([](const uint8_t*, size_t) {});
  CHECK(count == 2, "two records after a wrap, got %zu", count);
  std::printf("ok ring\n");
}

void TestRingSpsc() {
  constexpr uint64_t kRecords = 500000;
  SampleRing ring(4096);
  std::atomic<bool> done{false};
  uint64_t dropped = 0;
  std::thread producer([&] {
    for (uint64_t n = 0; n < kRecords; ++n) {
      const size_t size = PayloadSize(n);
      uint8_t* p = nullptr;
      while ((p = ring.Reserve(size + 8)) == nullptr) {
        ++dropped;
        std::this_thread::yield();
      }
      std::memcpy(p, &n, 8);
      for (size_t i = 0; i < size; ++i) p[8 + i] = PayloadByte(n, i);
      ring.Commit(size + 8);
    }
    done.store(true, std::memory_order_release);
  });
  uint64_t expected = 0;
  auto check = [&](const uint8_t* data, size_t size) {
    uint64_t n;
    std::memcpy(&n, data, 8);
    CHECK(n == expected, "record %llu arrived, expected %llu", (unsigned long long)n, (unsigned long long)expected);
    CHECK(size == PayloadSize(n) + 8, "size of record %llu", (unsigned long long)n);
    for (size_t i = 0; i < size - 8; ++i) {
      CHECK(data[8 + i] == PayloadByte(n, i), "byte %zu of record %llu", i, (unsigned long long)n);
    }
    ++expected;
  };
  while (!done.load(std::memory_order_acquire)) ring.Consume(check);
  producer.join();
  ring.Consume(check);
  CHECK(expected == kRecords, "all records consumed: %llu", (unsigned long long)expected);
  std::printf("ok ring-spsc (%llu records, producer found the ring full %llu times)\n",
              (unsigned long long)kRecords, (unsigned long long)dropped);
}

// ---------------------------------------------------------------------------
// The sampler.

alignas(64) char g_fake_isolate[256];
v8::Isolate* FakeIsolate() { return reinterpret_cast<v8::Isolate*>(g_fake_isolate); }

std::unique_ptr<Sampler> StartSampler(uint64_t interval_ns, bool cpu_clock = false, bool interrupts = false) {
  SamplerOptions options;
  options.interval_ns = interval_ns;
  options.cpu_clock = cpu_clock;
  options.interrupts = interrupts;
  options.max_frames = 64;
  std::unique_ptr<Sampler> sampler;
  uv_loop_t loop{};
  const std::string error = Sampler::Start(FakeIsolate(), &loop, options, &sampler);
  CHECK(error.empty(), "start: %s", error.c_str());
  return sampler;
}

void SendCodeEvent(v8::JitCodeEvent::EventType type, uintptr_t start) {
  v8::JitCodeEventHandler handler = g_jit_handler.load(std::memory_order_acquire);
  if (handler == nullptr) return;
  v8::JitCodeEvent event{};
  event.type = type;
  event.code_type = v8::JitCodeEvent::JIT_CODE;
  event.code_start = reinterpret_cast<void*>(start);
  event.code_len = 64;
  static const char kName[] = "JS:*work /app.js:1:1";
  event.name.str = kName;
  event.name.len = sizeof(kName) - 1;
  if (type == v8::JitCodeEvent::CODE_MOVED) event.new_code_start = reinterpret_cast<void*>(start + 4096);
  event.isolate = FakeIsolate();  // the handler finds the isolate's log by it
  handler(&event);
}

struct Checked {
  uint64_t samples = 0;
  uint64_t interrupt_samples = 0;
  uint64_t events = 0;
  // Events numbered up to here were drained (or never existed).
  uint64_t last_event_seq = nodeinstrument::g_sequence.load() - 1;
};

// Decodes one drain and checks every record, and that each sample's code
// events (numbered below its seq) have all been drained.
void CheckDrain(const nodeinstrument::DrainResult& drained, Checked* checked) {
  for (size_t offset = 0; offset < drained.code_events.size();) {
    CHECK(offset + sizeof(CodeEventHeader) <= drained.code_events.size(), "code event header in bounds");
    CodeEventHeader header;
    std::memcpy(&header, drained.code_events.data() + offset, sizeof(header));
    CHECK(header.seq == checked->last_event_seq + 1,
          "code events in sequence: %llu after %llu", (unsigned long long)header.seq,
          (unsigned long long)checked->last_event_seq);
    CHECK(header.kind == nodeinstrument::kCodeEventAdded || header.kind == nodeinstrument::kCodeEventMoved, "event kind");
    checked->last_event_seq = header.seq;
    ++checked->events;
    offset += sizeof(header) + nodeinstrument::AlignUp8(header.name_len);
  }
  uint64_t last_time = 0;
  for (size_t offset = 0; offset < drained.samples.size();) {
    CHECK(offset + sizeof(SampleHeader) <= drained.samples.size(), "sample header in bounds");
    SampleHeader header;
    std::memcpy(&header, drained.samples.data() + offset, sizeof(header));
    // Idle samples come from the sampling thread itself (the loop in its
    // poll): no stack, the pc slot empty.
    const bool idle = header.vm_state == v8::IDLE;
    if (idle) {
      CHECK(header.frame_count == 1 && (header.flags & nodeinstrument::kSampleFlagIdle), "idle sample layout");
    } else {
      CHECK(header.frame_count >= 2 && header.frame_count <= 64, "frame count %u", header.frame_count);
      CHECK(header.vm_state == v8::JS, "vm state");
    }
    CHECK(header.time_ns >= last_time, "samples in time order");
    last_time = header.time_ns;
    CHECK(header.seq == 0 || checked->last_event_seq + 1 >= header.seq,
          "sample seq %llu drained before code event %llu", (unsigned long long)header.seq,
          (unsigned long long)(header.seq - 1));
    const size_t frames_offset = offset + sizeof(SampleHeader);
    CHECK(frames_offset + header.frame_count * 8 <= drained.samples.size(), "frames in bounds");
    for (uint16_t i = 1; i < header.frame_count && !idle; ++i) {
      uint64_t frame;
      std::memcpy(&frame, drained.samples.data() + frames_offset + i * 8, 8);
      CHECK(frame == (kFrameTag | (i - 1)), "frame %u intact", i);
    }
    ++checked->samples;
    if (header.flags & nodeinstrument::kSampleFlagInterrupt) ++checked->interrupt_samples;
    // The top-of-stack word follows the frames when flagged; an interrupt sample's native chain instead.
    CHECK(header.native_chain <= nodeinstrument::kMaxNativeChain, "native chain of %u", header.native_chain);
    CHECK(header.native_chain == 0 || (header.flags & nodeinstrument::kSampleFlagInterrupt), "a chain only on interrupt samples");
    CHECK(!(header.flags & nodeinstrument::kSampleFlagInterrupt) || !(header.flags & nodeinstrument::kSampleFlagTopOfStack),
          "no top-of-stack word on interrupt samples");
    const size_t extra = ((header.flags & nodeinstrument::kSampleFlagTopOfStack) ? 8 : 0) + header.native_chain * 8;
    CHECK(frames_offset + header.frame_count * 8 + extra <= drained.samples.size(), "top of stack in bounds");
    offset = frames_offset + header.frame_count * 8 + extra;
  }
}

volatile uint64_t g_sink = 0;
void Spin(std::chrono::microseconds duration) {
  const auto end = std::chrono::steady_clock::now() + duration;
  uint64_t x = 0;
  while (std::chrono::steady_clock::now() < end) x = x * 31 + 7;
  g_sink = x;
}

void TestSampler() {
  Checked checked;
  auto sampler = StartSampler(50000);  // 20 kHz
  std::atomic<bool> stop{false};
  // Code moves arrive on GC threads, concurrently with sampling and drains.
  std::thread gc([&] {
    uintptr_t start = 0x100000;
    while (!stop.load(std::memory_order_acquire)) {
      SendCodeEvent(v8::JitCodeEvent::CODE_MOVED, start);
      start += 64;
      std::this_thread::sleep_for(std::chrono::microseconds(30));
    }
  });
  // Something else sends our signal: counted and ignored.
  const pthread_t js_thread = pthread_self();
  std::thread foreign([&] {
    for (int i = 0; i < 50 && !stop.load(); ++i) {
      sigval value;
      value.sival_int = 1;
      pthread_sigqueue(js_thread, sampler->signal(), value);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
  uintptr_t added = 0x900000;
  while (std::chrono::steady_clock::now() < end) {
    // Code added on the JS thread, as V8 does, and the idle flag toggled.
    SendCodeEvent(v8::JitCodeEvent::CODE_ADDED, added += 64);
    g_prepare_cb(g_prepare);
    Spin(std::chrono::microseconds(500));
    g_check_cb(g_check);
    Spin(std::chrono::microseconds(500));
    CheckDrain(sampler->Drain(), &checked);
    (void)sampler->Stats();
  }
  stop.store(true);
  gc.join();
  foreign.join();
  sampler->Stop();
  CheckDrain(sampler->Drain(), &checked);
  const auto stats = sampler->Stats();
  CHECK(stats.samples_recorded == checked.samples, "recorded %llu, drained %llu",
        (unsigned long long)stats.samples_recorded, (unsigned long long)checked.samples);
  // Proof that sampling ran (the rate depends on the machine's load).
  CHECK(checked.samples > 200, "samples: %llu", (unsigned long long)checked.samples);
  CHECK(checked.events > 200, "code events: %llu", (unsigned long long)checked.events);
  CHECK(stats.foreign_signals > 0, "foreign signals counted");
  CHECK(stats.dropped_ring_full == 0 && stats.dropped_store_full == 0, "nothing dropped");
  std::printf("ok sampler (%llu samples, %llu code events, %llu foreign signals, %llu busy ticks)\n",
              (unsigned long long)checked.samples, (unsigned long long)checked.events,
              (unsigned long long)stats.foreign_signals, (unsigned long long)stats.busy_ticks);
}

// The "JS thread" reaching a check: runs the interrupts requested so far.
void ServeInterrupts() {
  std::vector<std::pair<v8::InterruptCallback, void*>> due;
  {
    std::lock_guard<std::mutex> lock(g_interrupt_mutex);
    due.swap(g_interrupts);
  }
  t_serving_interrupts = true;
  for (const auto& [callback, data] : due) callback(FakeIsolate(), data);
  t_serving_interrupts = false;
}

// The hybrid sampler at 20 kHz: the thread alternates between "JavaScript"
// (checks every few microseconds: the interrupt takes the tick) and "C++"
// (no check for 300 us: the signal does), while code moves arrive from
// another thread; one walk in 50 in the callback takes 300 us (a thread
// descheduled while the callback writes, the signal due meanwhile).
// Every record must decode whole, both kinds must be there, and none lost.
void TestHybrid() {
  Checked checked;
  auto sampler = StartSampler(50000, /*cpu_clock=*/false, /*interrupts=*/true);  // 20 kHz
  std::atomic<bool> stop{false};
  std::thread gc([&] {
    uintptr_t start = 0x200000;
    while (!stop.load(std::memory_order_acquire)) {
      SendCodeEvent(v8::JitCodeEvent::CODE_MOVED, start);
      start += 64;
      std::this_thread::sleep_for(std::chrono::microseconds(40));
    }
  });
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
  int round = 0;
  while (std::chrono::steady_clock::now() < end) {
    for (int i = 0; i < 200; ++i) {
      Spin(std::chrono::microseconds(2));
      ServeInterrupts();
    }
    Spin(std::chrono::microseconds(300));
    if (++round % 5 == 0) CheckDrain(sampler->Drain(), &checked);
  }
  stop.store(true);
  gc.join();
  sampler->Stop();
  ServeInterrupts();  // a request still pending when the sampler stopped: nothing is written
  CheckDrain(sampler->Drain(), &checked);
  const auto stats = sampler->Stats();
  CHECK(stats.samples_recorded == checked.samples, "recorded %llu, drained %llu",
        (unsigned long long)stats.samples_recorded, (unsigned long long)checked.samples);
  CHECK(stats.interrupt_samples == checked.interrupt_samples, "interrupt samples %llu, drained %llu",
        (unsigned long long)stats.interrupt_samples, (unsigned long long)checked.interrupt_samples);
  CHECK(checked.interrupt_samples > 100, "interrupt samples: %llu", (unsigned long long)checked.interrupt_samples);
  CHECK(stats.signals_sent > 100, "signals: %llu", (unsigned long long)stats.signals_sent);
  CHECK(stats.interrupt_requests <= g_interrupt_requests.load(), "requests counted");
  CHECK(stats.dropped_ring_full == 0 && stats.dropped_store_full == 0, "nothing dropped");
  std::printf("ok hybrid (%llu samples, %llu by interrupt, %llu signals, %llu requests, %llu busy ticks)\n",
              (unsigned long long)checked.samples, (unsigned long long)checked.interrupt_samples,
              (unsigned long long)stats.signals_sent, (unsigned long long)stats.interrupt_requests,
              (unsigned long long)stats.busy_ticks);
}

// CPU mode with the kernel's CPU timer (native/cpu_timer.h) at 10 kHz: the
// kernel signals the spinning thread and the handler re-arms the timer while
// code moves arrive from another thread; the signal blocked for a while (at
// most the timer's budget of signals then waits, and sampling resumes); the
// signal ignored for a while (signals lost: the budget is given back once our
// handler is back); sampling stopped from another thread while the JS thread
// spins (as the main thread stops a worker's), then torn down on the JS
// thread. Where perf_event_open is refused the sampling thread drives CPU
// mode, and only what applies to it is checked.
// Signals queued for this process's user (SigQ in /proc/self/status), or -1.
long QueuedSignals() {
  FILE* file = std::fopen("/proc/self/status", "r");
  if (file == nullptr) return -1;
  char line[256];
  long queued = -1;
  while (std::fgets(line, sizeof(line), file) != nullptr) {
    if (std::strncmp(line, "SigQ:", 5) == 0) queued = std::strtol(line + 5, nullptr, 10);
  }
  std::fclose(file);
  return queued;
}

void TestCpuTimer() {
  Checked checked;
  auto sampler = StartSampler(100000, /*cpu_clock=*/true);
  const bool timer = sampler->Stats().cpu_timer == 1;
  std::atomic<bool> stop{false};
  std::thread gc([&] {
    uintptr_t start = 0x100000;
    while (!stop.load(std::memory_order_acquire)) {
      SendCodeEvent(v8::JitCodeEvent::CODE_MOVED, start += 64);
      std::this_thread::sleep_for(std::chrono::microseconds(30));
    }
  });
  const auto spin_and_drain = [&](std::chrono::milliseconds total) {
    const auto end = std::chrono::steady_clock::now() + total;
    while (std::chrono::steady_clock::now() < end) {
      g_prepare_cb(g_prepare);
      Spin(std::chrono::microseconds(300));  // a burst inside the loop's poll phase
      g_check_cb(g_check);
      Spin(std::chrono::microseconds(700));
      std::this_thread::sleep_for(std::chrono::microseconds(200));  // off the CPU: no samples
      CheckDrain(sampler->Drain(), &checked);
    }
  };
  spin_and_drain(std::chrono::milliseconds(600));
  if (timer) {
    // Blocked: the kernel raises at most the budget's signals, delivered on unblocking.
    sigset_t ours;
    sigemptyset(&ours);
    sigaddset(&ours, sampler->signal());
    const long queued_before = QueuedSignals();
    pthread_sigmask(SIG_BLOCK, &ours, nullptr);
    const uint64_t before = sampler->Stats().samples_recorded;
    Spin(std::chrono::milliseconds(10));  // 100 intervals
    const long queued = QueuedSignals() - queued_before;
    pthread_sigmask(SIG_UNBLOCK, &ours, nullptr);
#if defined(__SANITIZE_THREAD__)
    // ThreadSanitizer takes the signals itself and holds them back: the kernel queues none.
    CHECK(queued <= nodeinstrument::CpuTimer::kSignalBudget, "%ld signals queued after 100 intervals blocked", queued);
#else
    CHECK(queued >= 1 && queued <= nodeinstrument::CpuTimer::kSignalBudget, "%ld signals queued after 100 intervals blocked", queued);
#endif
    CHECK(sampler->Stats().samples_recorded > before, "the waiting signals were delivered");
    // Ignored: the signals are lost until our handler is put back; then the budget is given back.
    struct sigaction ignore {}, saved {};
    ignore.sa_handler = SIG_IGN;
    sigaction(sampler->signal(), &ignore, &saved);
    Spin(std::chrono::milliseconds(30));
    const uint64_t lost_at = sampler->Stats().samples_recorded;
    spin_and_drain(std::chrono::milliseconds(500));
    const auto stats = sampler->Stats();
    CHECK(stats.handler_reinstalls >= 1, "the handler was put back");
    CHECK(stats.lost_signals >= 1, "the budget was given back after lost signals");
    CHECK(stats.samples_recorded > lost_at + 100, "sampling resumed: %llu samples after the loss",
          (unsigned long long)(stats.samples_recorded - lost_at));
  }
  // Stopped from another thread while this one keeps running (and being signalled).
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    sampler->StopSampling();
    stopped.store(true, std::memory_order_release);
  });
  while (!stopped.load(std::memory_order_acquire)) Spin(std::chrono::microseconds(100));
  stopper.join();
  const uint64_t at_stop = sampler->Stats().samples_recorded;
  Spin(std::chrono::milliseconds(20));
  CHECK(sampler->Stats().samples_recorded == at_stop, "no sample after StopSampling returned");
  stop.store(true);
  gc.join();
  sampler->Stop();
  CheckDrain(sampler->Drain(), &checked);
  Spin(std::chrono::milliseconds(20));
  const auto stats = sampler->Stats();
  CHECK(stats.samples_recorded == checked.samples, "recorded %llu, drained %llu",
        (unsigned long long)stats.samples_recorded, (unsigned long long)checked.samples);
  CHECK(checked.samples > 200, "samples: %llu", (unsigned long long)checked.samples);
  CHECK(stats.dropped_ring_full == 0 && stats.dropped_store_full == 0, "nothing dropped");
  // A timer signal after the sampler released its slot would be counted here (or end the process).
  CHECK(stats.foreign_signals == 0, "%llu foreign signals", (unsigned long long)stats.foreign_signals);
  if (timer) CHECK(stats.signals_sent == stats.samples_recorded, "every timer signal is a sample: %llu signals, %llu samples",
                   (unsigned long long)stats.signals_sent, (unsigned long long)stats.samples_recorded);
  std::printf("ok cpu-timer (%s, %llu samples, %llu code events)\n", timer ? "kernel timer" : "sampling thread: perf_event_open refused",
              (unsigned long long)checked.samples, (unsigned long long)checked.events);
}

// Drains back to back while code events pour in from another thread and the
// sampling thread moves records at 100 kHz: with the drain taking code events
// before samples, a sample numbered after an event still in the log shows up
// within a second (measured: every run).
void TestDrainOrder() {
  Checked checked;
  auto sampler = StartSampler(10000);
  std::atomic<bool> stop{false};
  std::thread gc([&] {
    uintptr_t start = 0x100000;
    while (!stop.load(std::memory_order_acquire)) SendCodeEvent(v8::JitCodeEvent::CODE_MOVED, start += 64);
  });
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
  uint64_t drains = 0;
  while (std::chrono::steady_clock::now() < end) {
    CheckDrain(sampler->Drain(), &checked);
    ++drains;
  }
  stop.store(true);
  gc.join();
  sampler->Stop();
  CheckDrain(sampler->Drain(), &checked);
  CHECK(checked.samples > 200, "samples: %llu", (unsigned long long)checked.samples);
  std::printf("ok drain-order (%llu drains, %llu samples, %llu code events)\n", (unsigned long long)drains,
              (unsigned long long)checked.samples, (unsigned long long)checked.events);
}

void TestInFlight() {
  auto sampler = StartSampler(100000);  // 10 kHz
  Spin(std::chrono::milliseconds(50));
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, sampler->signal());
  const auto before = sampler->Stats();
  pthread_sigmask(SIG_BLOCK, &block, nullptr);
  Spin(std::chrono::milliseconds(350));  // 3,500 ticks with the signal blocked
  const auto blocked = sampler->Stats();
  pthread_sigmask(SIG_UNBLOCK, &block, nullptr);
  Spin(std::chrono::milliseconds(50));
  sampler->Stop();
  const auto after = sampler->Stats();
  const uint64_t sent = blocked.signals_sent - before.signals_sent;
  // One signal, then one more per 100 ms taken as lost: never one per tick.
  CHECK(sent <= 6, "%llu signals sent while the thread could not take them", (unsigned long long)sent);
  // The sampling thread did tick meanwhile (on a loaded machine fewer than 3,500 times).
  const uint64_t skipped = blocked.busy_ticks - before.busy_ticks;
  CHECK(skipped > 20 && skipped >= 10 * sent, "ticks skipped: %llu, signals sent: %llu",
        (unsigned long long)skipped, (unsigned long long)sent);
  CHECK(after.samples_recorded > blocked.samples_recorded, "sampling resumed");
  std::printf("ok in-flight (%llu signals sent in 350 ms blocked, %llu ticks skipped, %llu taken as lost)\n",
              (unsigned long long)sent, (unsigned long long)(blocked.busy_ticks - before.busy_ticks),
              (unsigned long long)(blocked.lost_signals - before.lost_signals));
}

void TestRestart() {
  uint64_t samples = 0;
  for (int cycle = 0; cycle < 200; ++cycle) {
    auto sampler = StartSampler(20000);  // 50 kHz: signals are in flight at Stop
    Spin(std::chrono::microseconds(1000 + (cycle % 7) * 300));
    sampler->Stop();
    Checked checked;
    CheckDrain(sampler->Drain(), &checked);
    samples += checked.samples;
    struct sigaction action {};
    sigaction(sampler->signal(), nullptr, &action);
    CHECK(action.sa_handler == SIG_DFL, "the previous disposition is back after stop");
  }
  CHECK(samples > 20, "samples over 200 cycles: %llu", (unsigned long long)samples);
  std::printf("ok restart (200 cycles, %llu samples)\n", (unsigned long long)samples);
}

// The payload of CodeListingBuilder::Finish, read back as native/code_listing.h lays it out.
struct ListedForTest {
  uint64_t start, end;
  std::string name;
  std::vector<uint32_t> lines;
  uint8_t code_type;
};

std::vector<ListedForTest> ReadListing(const std::vector<uint8_t>& payload) {
  uint32_t n = 0;
  std::memcpy(&n, payload.data(), 4);
  const auto f64 = [&](size_t at) { double v; std::memcpy(&v, payload.data() + at, 8); return v; };
  const auto u32 = [&](size_t at) { uint32_t v; std::memcpy(&v, payload.data() + at, 4); return v; };
  const size_t starts = 8, ends = starts + 8 * n, name_offsets = ends + 8 * n, name_lengths = name_offsets + 4 * n;
  const size_t line_offsets = name_lengths + 4 * n, line_lengths = line_offsets + 4 * n, code_types = line_lengths + 4 * n;
  std::vector<ListedForTest> out;
  for (uint32_t k = 0; k < n; ++k) {
    ListedForTest r;
    r.start = static_cast<uint64_t>(f64(starts + 8 * k));
    r.end = static_cast<uint64_t>(f64(ends + 8 * k));
    const uint32_t name_at = u32(name_offsets + 4 * k), name_len = u32(name_lengths + 4 * k);
    CHECK(name_at % 8 == 0 && name_at + name_len <= payload.size(), "name %u in bounds", k);
    r.name.assign(reinterpret_cast<const char*>(payload.data() + name_at), name_len);
    const uint32_t lines_at = u32(line_offsets + 4 * k), lines_len = u32(line_lengths + 4 * k);
    CHECK(lines_len == 0 || (lines_at % 8 == 0 && lines_at + lines_len <= payload.size()), "lines %u in bounds", k);
    for (uint32_t b = 0; b < lines_len; b += 4) r.lines.push_back(u32(lines_at + b));
    r.code_type = payload[code_types + k];
    out.push_back(r);
  }
  return out;
}

void TestListing() {
  std::mt19937_64 random(42);
  size_t ranges = 0, dropped = 0;
  for (int round = 0; round < 300; ++round) {
    nodeinstrument::CodeListingBuilder builder;
    // The code map's rule, applied in the listing's order: a range evicts every range it overlaps.
    std::map<uint64_t, ListedForTest> model;
    const int count = static_cast<int>(random() % 200);
    const bool overlaps = round % 3 == 0;  // else only repeated starts, as V8 lists
    for (int i = 0; i < count; ++i) {
      ListedForTest r;
      r.start = 0x7f0000000000ull + (random() % 400) * 0x40 + (overlaps ? (random() % 4) * 8 : 0);
      r.end = r.start + (overlaps ? 1 + random() % 0x100 : 0x40);
      r.name = "JS:*f" + std::to_string(i) + std::string(random() % 9, 'x');
      r.code_type = static_cast<uint8_t>(random() % 3);
      if (random() % 4 == 0) {
        r.lines = {0, static_cast<uint32_t>(i), 8, static_cast<uint32_t>(i + 1)};
        builder.AddLines(r.start, r.lines.data(), static_cast<uint32_t>(r.lines.size() * 4));
      } else if (random() % 8 == 0) {
        const uint32_t other[2] = {1, 2};
        builder.AddLines(r.start + 1, other, sizeof(other));  // another code's table: not this one's
      }
      builder.AddCode(r.start, r.end - r.start, r.code_type, r.name.data(), static_cast<uint32_t>(r.name.size()));
      auto it = model.lower_bound(r.start);
      if (it != model.begin() && std::prev(it)->second.end > r.start) --it;
      while (it != model.end() && it->first < r.end) it = model.erase(it);
      model[r.start] = r;
    }
    const std::vector<ListedForTest> listed = ReadListing(builder.Finish());
    CHECK(listed.size() == model.size(), "round %d: %zu ranges, the code map has %zu", round, listed.size(), model.size());
    size_t k = 0;
    for (const auto& [start, expected] : model) {
      const ListedForTest& got = listed[k++];
      CHECK(got.start == expected.start && got.end == expected.end, "round %d range %zu bounds", round, k);
      CHECK(got.name == expected.name, "round %d range %zu name %s vs %s", round, k, got.name.c_str(), expected.name.c_str());
      CHECK(got.lines == expected.lines, "round %d range %zu line table", round, k);
      CHECK(got.code_type == expected.code_type, "round %d range %zu code type", round, k);
    }
    ranges += listed.size();
    dropped += count - listed.size();
  }
  std::printf("ok listing (300 listings, %zu ranges kept, %zu overlapped and dropped)\n", ranges, dropped);
}

}  // namespace

int main(int argc, char** argv) {
  setvbuf(stdout, nullptr, _IONBF, 0);
  std::vector<std::string> tests(argv + 1, argv + argc);
  if (tests.empty()) tests = {"ring", "ring-spsc", "sampler", "hybrid", "cpu-timer", "drain-order", "in-flight", "restart", "listing"};
  for (const std::string& name : tests) {
    if (name == "ring") TestRing();
    else if (name == "ring-spsc") TestRingSpsc();
    else if (name == "sampler") TestSampler();
    else if (name == "hybrid") TestHybrid();
    else if (name == "cpu-timer") TestCpuTimer();
    else if (name == "drain-order") TestDrainOrder();
    else if (name == "in-flight") TestInFlight();
    else if (name == "restart") TestRestart();
    else if (name == "listing") TestListing();
    else {
      std::fprintf(stderr, "unknown test %s\n", name.c_str());
      return 2;
    }
  }
  return 0;
}
