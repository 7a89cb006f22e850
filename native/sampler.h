// The signal-driven sampler of one JS thread.
//
//   sampling thread --(signal at absolute deadlines)--> JS thread
//   signal handler: GetStackSample -> SampleRing (lock-free, never blocks)
//   sampling thread: SampleRing -> pending store (grows, capped)
//   drain (JS thread): pending store + code events -> JavaScript
//
// One Sampler runs per JS thread (the main thread, and each worker thread a
// profile samples: native/workers.h). They share the process's signal
// disposition, installed by the first and restored by the last; each has
// its own sampling thread, ring and its isolate's code event log.
#pragma once

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <pthread.h>
#include <signal.h>
#include <string>
#include <thread>
#include <vector>

#include "code_event_log.h"
#include "cpu_timer.h"
#include "ring_buffer.h"

namespace v8 {
class Isolate;
struct RegisterState;
}

namespace nodeinstrument {

struct SamplerOptions {
  uint64_t interval_ns = 1000000;
  uint32_t max_frames = 255;
  int signal = 0;  // 0: the default real-time signal
  uint64_t max_pending_bytes = 256u << 20;
  // The label-set id of the code running on the JS thread, written by JS
  // (lib/labels/labels.ts) and read by the signal handler. Owned by the addon
  // instance, which outlives the sampler. Null: samples carry label set 0.
  const std::atomic<int32_t>* label_slot = nullptr;
  // CPU mode: a sample every interval_ns of the JS thread's CPU time instead
  // of wall time, so time off the CPU (idle, blocked) is never sampled.
  bool cpu_clock = false;
  // CPU mode: the kernel's CPU timer drives the samples where it can be
  // opened (CpuTimer); false: the sampling thread reads the CPU clock.
  bool cpu_timer = true;
  // Wall mode: take each sample through a V8 interrupt (served on the JS
  // thread at its next stack-guard check: a function entry or a loop
  // back-edge) when the thread serves it within interrupt_grace_ns, and
  // through the signal when it does not (C++, GC, a blocking call). An
  // interrupt costs the thread no kernel round trip (docs/design.md,
  // "Hybrid sampling").
  bool interrupts = false;
  // 0: 30 us, or a quarter of the interval if that is less (the sampling
  // thread sleeps through the grace on every tick, and must keep the rate).
  uint64_t interrupt_grace_ns = 0;
  // Tests only: after each interrupt sample, the callback signals its own
  // thread, so that a signal sample of the same moment follows it in the
  // ring (test/e2e/hybrid-sampler.test.mjs compares their stacks).
  bool interrupt_check = false;
};

struct SamplerStats {
  uint64_t signals_sent = 0;
  uint64_t samples_recorded = 0;
  uint64_t dropped_ring_full = 0;
  uint64_t dropped_store_full = 0;
  uint64_t handler_reinstalls = 0;      // our handler was replaced; we put it back
  uint64_t sigprof_handler_changes = 0; // someone (V8's CpuProfiler) swapped SIGPROF
  uint64_t foreign_signals = 0;         // our signal arrived but not from us
  uint64_t code_events = 0;
  uint64_t late_ticks = 0;              // deadlines missed by over one interval
  uint64_t busy_ticks = 0;              // ticks skipped: the last signal was not handled yet
  uint64_t boundary_recoveries = 0;     // stacks walked from the caller at a frame boundary
  uint64_t lost_signals = 0;            // signals unanswered for 100 ms, sent again
  uint64_t idle_ticks = 0;              // idle samples recorded without a signal (loop in its poll)
  uint64_t cpu_timer = 0;               // 1: CPU mode's signals come from the kernel's timer (CpuTimer)
  uint64_t native_stack_halt_ns = 0;    // see NativeStackFlagHaltNs (process-wide)
  uint64_t interrupt_samples = 0;       // samples taken in a V8 interrupt (options.interrupts)
  uint64_t interrupt_requests = 0;      // interrupts requested (one at a time)
};

struct DrainResult {
  std::vector<uint8_t> samples;
  std::vector<uint8_t> code_events;
};

int DefaultSignal();

// V8's --interpreted-frames-native-stack makes its stack walk look code up
// under mutexes that the interrupted thread may hold (docs/design.md, "Locks
// the stack walk can meet"). Once the flag is seen on, sampling stops for
// good in every thread: sampling threads send nothing more, handlers return
// without walking, and Start refuses. Halt waits (bounded) for walks already
// under way on other threads, so that after it returns no handler can read
// the flag as set. Callable on any thread, not in a signal handler.
void HaltSamplingForNativeStackFlag();
// CLOCK_MONOTONIC ns when sampling was halted for the flag; 0 if it never was.
uint64_t NativeStackFlagHaltNs();
// Whether a CODE_ADDED event is the mark of the flag: a copy of the
// interpreter entry trampoline, which V8 makes for each interpreted function
// only with the flag on, logged as machine code under the function's name with
// the interpreted tier marker (e.g. "JS:~fn file:1:1"); without the flag,
// `~` names are always bytecode.
bool IsInterpreterTrampolineCopy(bool jit_code, const char* name, size_t length);
// The message Start gives once the flag was seen.
extern const char kNativeStackFlagError[];

class Sampler {
 public:
  // Installs the handler, registers code events and starts the sampling
  // thread. Runs on the JS thread. Returns an error message or "".
  static std::string Start(v8::Isolate* isolate, uv_loop_t* loop,
                           const SamplerOptions& options,
                           std::unique_ptr<Sampler>* out);
  ~Sampler();

  // Joins the sampling thread, restores the previous signal disposition and
  // removes the code event handler. Idempotent. Runs on the JS thread.
  void Stop();
  // Only joins the sampling thread (no more signals are sent): what Stop()
  // does first, but callable from any thread (the main thread stopping a
  // worker's sampler). Drain() still works; Stop() must follow on the JS thread.
  void StopSampling();
  bool running() const { return running_.load(std::memory_order_acquire); }
  // Whether a running sampler samples the thread of `isolate`.
  static bool RunningFor(v8::Isolate* isolate);
  // CPU time the sampled thread has used (readable from any thread while it lives).
  uint64_t JsThreadCpuTime() const;

  DrainResult Drain();
  SamplerStats Stats() const;
  uint64_t start_time_ns() const { return start_time_ns_; }
  uint64_t start_cpu_time_ns() const { return start_cpu_time_ns_; }
  int signal() const { return options_.signal; }
  // False when a code watcher held the log already: no heap walk at start.
  bool enumerated_existing_code() const { return enumerated_existing_code_; }

  // Signal handler body; public for the static trampoline only.
  // from_timer: the signal came from the CPU timer, not the sampling thread.
  void OnSignal(void* ucontext, bool from_timer);
  // Why CPU mode samples by the sampling thread's reading of the CPU clock
  // instead of the kernel's timer ("" when it uses the timer, or in wall mode).
  const std::string& cpu_timer_error() const { return cpu_timer_error_; }

 private:
  explicit Sampler(const SamplerOptions& options);
  void ThreadMain();
  void TimerModeMain();
  bool SignalPendingOnJsThread() const;
  void RecordSample(void* ucontext, uint16_t extra_flags);
  void WriteSample(const v8::RegisterState& regs, uint16_t flags, const void* ucontext, void* const* chain,
                   uint32_t chain_length);
  bool TickByInterrupt();
  static void OnInterrupt(v8::Isolate* isolate, void* data);
  bool WaitForCpuTime(uint64_t target_ns, uint64_t* cpu_now_ns);
  bool JsThreadRunnable() const;
  bool JsThreadInPollWait() const;
  void MoveRingToStore();
  void RecordIdleSample();
  void WatchSignalHandlers();
  bool ProbeNativeStackFlag();
  std::string SetUpAltStack();
  void RestoreAltStack();
  bool TakeSlot();
  void ReleaseSlot();
  std::string InstallHandler();
  void ReleaseHandler();

  SamplerOptions options_;
  v8::Isolate* isolate_ = nullptr;
  uv_loop_t* loop_ = nullptr;
  pthread_t js_thread_{};
  clockid_t js_cpu_clock_{};
  pid_t js_tid_ = 0;
  uintptr_t js_stack_top_ = 0;  // highest address of the JS thread's stack; 0 if unknown
  int js_stat_fd_ = -1;  // CPU mode: /proc/self/task/<tid>/stat of the JS thread
  int js_status_fd_ = -1;  // CPU mode: /proc/self/task/<tid>/status of the JS thread
  int js_syscall_fd_ = -1;  // wall mode: /proc/self/task/<tid>/syscall of the JS thread
  uint64_t start_time_ns_ = 0;
  uint64_t start_cpu_time_ns_ = 0;

  SampleRing ring_;
  CodeEventLog* log_ = nullptr;  // the isolate's
  int slot_ = -1;                // index in the running samplers' table
  uint64_t code_events_at_start_ = 0;
  uint64_t foreign_signals_at_start_ = 0;
  // Under store_mutex_ once running: taken at Stop, handed out by Drain.
  std::vector<uint8_t> final_code_events_;
  bool enumerated_existing_code_ = false;
  bool holds_code_events_ = false;  // under store_mutex_ once running
  std::thread thread_;
  std::atomic<bool> running_{false};   // started and not yet Stop()ped
  std::atomic<bool> sampling_{false};  // the sampling thread runs
  std::atomic<bool> stop_requested_{false};
  std::mutex stop_mutex_;              // StopSampling may come from two threads
  bool handler_installed_ = false;
  // The alternate signal stack the handler runs on (SA_ONSTACK), so that it
  // never needs room on a JS stack near its limit. Ours (mapped at Start) or
  // the thread's own when that is big enough; the previous one is restored at
  // Stop. JS thread only.
  void* alt_stack_map_ = nullptr;  // our mapping, guard page included
  size_t alt_stack_map_bytes_ = 0;
  stack_t previous_alt_stack_{};
  void* last_sigprof_handler_ = nullptr;

  // CPU mode: the kernel's timer on the JS thread's CPU time, when allowed.
  CpuTimer cpu_timer_;
  std::string cpu_timer_error_;

  // Written by the sampling thread just before each signal (by the handler
  // itself for the timer's), read by the handler.
  std::atomic<uint64_t> pending_cpu_time_ns_{0};
  // Set before a signal is sent, cleared when the handler has run.
  std::atomic<bool> in_flight_{false};
  // options.interrupts: who takes the current tick. The sampling thread sets
  // kTickRequested; the interrupt callback and the sampling thread (when the
  // grace runs out) race to move it on with one compare-and-swap, so exactly
  // one of them records the tick. The callback holds kTickWriting while it
  // writes the ring, and resolves the tick after: the sampling thread starts
  // no tick meanwhile, and a signal that arrives anyway (one taken for lost
  // and sent again, delivered late) records nothing, so the handler never
  // writes the ring under the callback.
  enum TickState : int { kTickResolved = 0, kTickRequested = 1, kTickWriting = 2, kTickBySignal = 3 };
  std::atomic<int> tick_state_{kTickResolved};
  // An interrupt is requested and its callback has not run yet: never queue a second.
  std::atomic<bool> interrupt_pending_{false};
  // True while libuv waits for I/O (set by prepare, cleared by check).
  std::atomic<bool> loop_idle_{false};
  uv_prepare_t* idle_prepare_ = nullptr;
  uv_check_t* idle_check_ = nullptr;

  mutable std::mutex store_mutex_;
  std::vector<uint8_t> store_;

  std::atomic<uint64_t> signals_sent_{0};
  std::atomic<uint64_t> samples_recorded_{0};
  std::atomic<uint64_t> dropped_ring_full_{0};
  std::atomic<uint64_t> dropped_store_full_{0};
  std::atomic<uint64_t> handler_reinstalls_{0};
  std::atomic<uint64_t> sigprof_handler_changes_{0};
  std::atomic<uint64_t> late_ticks_{0};
  std::atomic<uint64_t> busy_ticks_{0};
  std::atomic<uint64_t> boundary_recoveries_{0};
  std::atomic<uint64_t> lost_signals_{0};
  std::atomic<uint64_t> idle_ticks_{0};
  std::atomic<uint64_t> interrupt_samples_{0};
  std::atomic<uint64_t> interrupt_requests_{0};
};

}  // namespace nodeinstrument
