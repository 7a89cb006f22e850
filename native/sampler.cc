#include "sampler.h"

#include <v8.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <ctime>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <system_error>
#include <ucontext.h>
#include <unistd.h>

#include "flag_probe.h"
#include "sample_record.h"
#include "sequence.h"

namespace nodeinstrument {
namespace {

// The running samplers (the main thread's and each sampled worker's). The
// handler matches a signal's value against them; a slot is cleared before
// its sampler is destroyed, on the sampler's own JS thread (the only thread
// its signals interrupt), so a handler never sees a sampler being freed.
constexpr int kMaxSamplers = 256;
std::atomic<Sampler*> g_samplers[kMaxSamplers];
// The isolate of each slot's sampler, so that RunningFor never dereferences
// a sampler that another thread may be destroying.
std::atomic<v8::Isolate*> g_sampler_isolates[kMaxSamplers];
// The CPU timer descriptor of each slot's sampler plus one (0: none), which
// the timer's signals carry in si_fd, and the thread the timer signals. A
// handler matches both: the signal is then on the sampler's own JS thread,
// where the sampler is also released, so the sampler is alive (a descriptor
// number closed and reused by another thread's timer does not match).
std::atomic<int> g_sampler_timer_fds[kMaxSamplers];
std::atomic<pid_t> g_sampler_timer_tids[kMaxSamplers];
std::atomic<int> g_sampler_slots_used{0};  // high-water mark of g_samplers
std::atomic<uint64_t> g_foreign_signals{0};
std::atomic<pid_t> g_pid{0};

// --interpreted-frames-native-stack (HaltSamplingForNativeStackFlag). The
// handler counts itself in g_walks before it reads g_native_stack_halt_ns, and
// Halt sets that before it waits for g_walks to drain (both sequentially
// consistent): a walk either sees the halt or is waited for.
std::atomic<uint64_t> g_native_stack_halt_ns{0};
std::atomic<int> g_walks{0};

// Room for the handler on its alternate stack: GetStackSample and our frames
// need a few KiB; the kernel's signal frame (xsave state) up to ~4 KiB more;
// sanitizer builds many times that.
constexpr size_t kAltStackBytes = 256 * 1024;

// The signal disposition is the process's: installed by the first running
// sampler, restored by the last. Under g_handler_mutex (JS threads only).
std::mutex g_handler_mutex;
int g_handler_users = 0;
int g_handler_signal = 0;
struct sigaction g_previous_action {};

bool IsRunningSampler(const void* candidate) {
  const int used = g_sampler_slots_used.load(std::memory_order_acquire);
  for (int i = 0; i < used; ++i) {
    if (g_samplers[i].load(std::memory_order_acquire) == candidate) return true;
  }
  return false;
}

Sampler* SamplerForTimer(int fd) {
  if (fd < 0) return nullptr;
  const int used = g_sampler_slots_used.load(std::memory_order_acquire);
  pid_t self = 0;
  for (int i = 0; i < used; ++i) {
    if (g_sampler_timer_fds[i].load(std::memory_order_acquire) != fd + 1) continue;
    if (self == 0) self = static_cast<pid_t>(syscall(SYS_gettid));  // async-signal-safe
    if (g_sampler_timer_tids[i].load(std::memory_order_acquire) != self) continue;
    return g_samplers[i].load(std::memory_order_acquire);
  }
  return nullptr;
}

// How often the sampling thread checks signal dispositions.
constexpr uint64_t kWatchEveryNs = 100 * 1000 * 1000;
// A signal unanswered for this long is taken to be lost.
constexpr uint64_t kLostSignalNs = 100 * 1000 * 1000;
// CPU mode with the kernel's timer: how often the sampling thread moves
// samples from the ring to the store (it sends no signals).
constexpr uint64_t kTimerModeWakeNs = 2 * 1000 * 1000;

uint64_t ToNs(const timespec& ts) {
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u +
         static_cast<uint64_t>(ts.tv_nsec);
}

timespec FromNs(uint64_t ns) {
  timespec ts;
  ts.tv_sec = static_cast<time_t>(ns / 1000000000u);
  ts.tv_nsec = static_cast<long>(ns % 1000000000u);
  return ts;
}

uint64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ToNs(ts);
}

uint64_t ThisThreadCpuNs() {
  timespec ts;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
  return ToNs(ts);
}

void HandleSignal(int, siginfo_t* info, void* ucontext) {
  const int saved_errno = errno;
  // Only signals a sampling thread queued carry SI_QUEUE, our pid and the
  // address of a running sampler; a CPU timer's carry POLL_IN (POLL_HUP once
  // it disabled itself) and its descriptor. Anything else is counted and ignored.
  Sampler* sampler = nullptr;
  bool from_timer = false;
  if (info != nullptr && info->si_code == SI_QUEUE && info->si_pid == g_pid.load(std::memory_order_relaxed) &&
      IsRunningSampler(info->si_value.sival_ptr)) {
    sampler = static_cast<Sampler*>(info->si_value.sival_ptr);
  } else if (info != nullptr && (info->si_code == POLL_IN || info->si_code == POLL_HUP)) {
    sampler = SamplerForTimer(info->si_fd);
    from_timer = true;
  }
  if (sampler != nullptr) {
    g_walks.fetch_add(1, std::memory_order_seq_cst);
    sampler->OnSignal(ucontext, from_timer);
    g_walks.fetch_sub(1, std::memory_order_seq_cst);
  } else {
    g_foreign_signals.fetch_add(1, std::memory_order_relaxed);
  }
  errno = saved_errno;
}

bool IsOurHandler(const struct sigaction& action) {
  return (action.sa_flags & SA_SIGINFO) != 0 &&
         action.sa_sigaction == &HandleSignal;
}

void* HandlerAddress(const struct sigaction& action) {
  return (action.sa_flags & SA_SIGINFO)
             ? reinterpret_cast<void*>(action.sa_sigaction)
             : reinterpret_cast<void*>(action.sa_handler);
}

struct sigaction OurAction() {
  struct sigaction action {};
  action.sa_sigaction = &HandleSignal;
  // SA_ONSTACK: near a stack overflow the handler must not run on the JS stack.
  action.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  // Never nest with V8's own SIGPROF handler while walking the stack.
  sigaddset(&action.sa_mask, SIGPROF);
  return action;
}

#if defined(__x86_64__)
bool OnSamePage(const uint8_t* a, const uint8_t* b) {
  return (reinterpret_cast<uintptr_t>(a) >> 12) == (reinterpret_cast<uintptr_t>(b) >> 12);
}

// True if the bytes at pc + offset match `pattern`, reading only bytes on
// pc's page (code on the neighbouring page may not be mapped).
bool CodeMatches(const uint8_t* pc, int offset, const uint8_t* pattern, int length) {
  const uint8_t* first = pc + offset;
  const uint8_t* last = first + length - 1;
  if (!OnSamePage(pc, first) || !OnSamePage(pc, last)) return false;
  for (int i = 0; i < length; ++i) {
    if (first[i] != pattern[i]) return false;
  }
  return true;
}

// Whether the signal interrupted a blocking system call (the thread was off
// the CPU): the kernel rewinds pc to the `syscall` instruction to restart it,
// or, for calls it does not restart (epoll_wait), returns -EINTR with pc just
// after it. Reads two code bytes on pc's page and a saved register.
bool InterruptedSyscall(const ucontext_t* uc) {
  static const uint8_t kSyscall[] = {0x0F, 0x05};
  const auto* pc = reinterpret_cast<const uint8_t*>(uc->uc_mcontext.gregs[REG_RIP]);
  if (pc == nullptr) return false;
  if (CodeMatches(pc, 0, kSyscall, 2)) return true;
  return uc->uc_mcontext.gregs[REG_RAX] == -EINTR && CodeMatches(pc, -2, kSyscall, 2);
}
#endif

// V8's stack walk gives up when the pc is on the set-up or tear-down of a
// frame (push rbp; mov rbp,rsp / pop rbp; ret), and on Node 24 that is about
// 3% of samples, left with no frames at all. At those instructions the
// caller's frame is intact and its return address is on top of the stack, so
// the walk can start from the caller instead. Reads only the code bytes on
// pc's page and the two stack slots above sp.
bool CallerRegisters(const v8::RegisterState& regs, v8::RegisterState* caller) {
#if defined(__x86_64__)
  static const uint8_t kPrologue[] = {0x55, 0x48, 0x89, 0xE5};  // push rbp; mov rbp,rsp
  static const uint8_t kEpilogue[] = {0x5D, 0xC3};              // pop rbp; ret
  static const uint8_t kEpilogueN[] = {0x5D, 0xC2};             // pop rbp; ret N
  const auto* pc = static_cast<const uint8_t*>(regs.pc);
  auto* const* sp = static_cast<void* const*>(regs.sp);
  if (pc == nullptr || sp == nullptr) return false;
  if (CodeMatches(pc, 0, kPrologue, 4) ||
      CodeMatches(pc, -1, kEpilogue, 2) || CodeMatches(pc, -1, kEpilogueN, 2)) {
    // Before push rbp, or at ret after pop rbp: rbp is the caller's already.
    caller->pc = sp[0];
    caller->sp = const_cast<void**>(sp + 1);
    caller->fp = regs.fp;
    return true;
  }
  if (CodeMatches(pc, -1, kPrologue, 4)) {
    // Between push rbp and mov rbp,rsp: the caller's rbp is on top, unchanged.
    caller->pc = sp[1];
    caller->sp = const_cast<void**>(sp + 2);
    caller->fp = regs.fp;
    return true;
  }
  if (CodeMatches(pc, 0, kEpilogue, 2) || CodeMatches(pc, 0, kEpilogueN, 2)) {
    // At pop rbp: the saved caller's rbp is on top, the return address next.
    caller->pc = sp[1];
    caller->sp = const_cast<void**>(sp + 2);
    caller->fp = sp[0];
    return true;
  }
#endif
  return false;
}

// The word at the top of the interrupted thread's stack. The stack is mapped
// and readable there; under AddressSanitizer the interrupted frame may have
// poisoned that slot (a redzone), which is no fault of this read, so the
// sanitizer does not check it (V8's own stack scans do the same).
__attribute__((no_sanitize("address", "hwaddress"))) void* ReadStackTop(const void* sp) {
  return *static_cast<void* const*>(sp);
}

// The return addresses of the callers of the function whose frame is at
// `fp`, innermost first, at most kMaxNativeChain: V8 and Node keep frame
// pointers (x86_64 and arm64), so each frame holds its caller's frame pointer
// and the return address above it. The chain is followed only upwards and
// within the thread's stack (below `top`), so a frame without a frame pointer
// ends it rather than leading astray. Like ReadStackTop, not checked by the
// sanitizer: the slots are other frames' own.
__attribute__((no_sanitize("address", "hwaddress"))) uint32_t NativeCallers(void* frame, uintptr_t top, void** chain) {
  uint32_t length = 0;
  auto* const* fp = static_cast<void* const*>(frame);
  while (length < kMaxNativeChain && fp != nullptr && top != 0) {
    chain[length++] = fp[1];
    auto* const* next = static_cast<void* const*>(fp[0]);
    const auto at = reinterpret_cast<uintptr_t>(next);
    if (at <= reinterpret_cast<uintptr_t>(fp) || at % sizeof(void*) != 0 || at + 2 * sizeof(void*) > top) break;
    fp = next;
  }
  return length;
}

// Reads the start of a /proc file through a descriptor opened at start, as a
// C string. False when there is no descriptor or nothing could be read.
bool ReadProcFile(int fd, char* buffer, size_t size) {
  if (fd < 0) return false;
  const ssize_t count = pread(fd, buffer, size - 1, 0);
  if (count <= 0) return false;
  buffer[count] = '\0';
  return true;
}

}  // namespace

int DefaultSignal() { return SIGRTMIN + 5; }

const char kNativeStackFlagError[] =
    "nodeinstrument: V8's --interpreted-frames-native-stack is on in this process (set at run time): with it "
    "V8's stack walk takes locks, which a signal handler must never do (the process could hang); "
    "sampling stays off in this process";

void HaltSamplingForNativeStackFlag() {
  uint64_t expected = 0;
  g_native_stack_halt_ns.compare_exchange_strong(expected, MonotonicNs(), std::memory_order_seq_cst);
  // Walks that began before the halt run on other threads (a handler on
  // this thread would have returned before this code runs). They take
  // microseconds; the bound only keeps a stopped thread from hanging us.
  const timespec pause{0, 100 * 1000};
  for (int i = 0; i < 10000 && g_walks.load(std::memory_order_seq_cst) != 0; ++i) nanosleep(&pause, nullptr);
}

uint64_t NativeStackFlagHaltNs() { return g_native_stack_halt_ns.load(std::memory_order_seq_cst); }

bool IsInterpreterTrampolineCopy(bool jit_code, const char* name, size_t length) {
  if (!jit_code || name == nullptr) return false;
  // "<Tag>:~..." with a short alphabetic tag (JS, Script, Eval, Function);
  // not a regular expression ("RegExp:~abc" is its source).
  for (size_t i = 0; i < length && i < 24; ++i) {
    const char c = name[i];
    if (c == ':') {
      return i > 0 && i + 1 < length && name[i + 1] == '~' && !(i == 6 && std::memcmp(name, "RegExp", 6) == 0);
    }
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
  }
  return false;
}

Sampler::Sampler(const SamplerOptions& options)
    : options_(options),
      // Room for dozens of the deepest stacks; the sampling thread empties it
      // before every signal it sends (with CPU mode's kernel timer, every
      // 2 ms), so it holds a few records at a time, a few dozen at most.
      ring_(size_t{1} << 20) {}

Sampler::~Sampler() {
  Stop();
  cpu_timer_.Close();  // opened by a Start that failed before running
  if (js_stat_fd_ >= 0) close(js_stat_fd_);
  if (js_status_fd_ >= 0) close(js_status_fd_);
  if (js_syscall_fd_ >= 0) close(js_syscall_fd_);
}

std::string Sampler::Start(v8::Isolate* isolate, uv_loop_t* loop,
                           const SamplerOptions& requested,
                           std::unique_ptr<Sampler>* out) {
  if (RunningFor(isolate)) {
    return "nodeinstrument is already profiling this thread";
  }
  if (NativeStackFlagHaltNs() != 0) return kNativeStackFlagError;
  SamplerOptions options = requested;
  if (options.signal == 0) options.signal = DefaultSignal();
  if (options.interrupt_grace_ns == 0) options.interrupt_grace_ns = std::min<uint64_t>(30000, options.interval_ns / 4);
  // The public options take only free real-time signals (lib/options.ts);
  // this layer also takes others, which tests use to stage a takeover.
  if (options.signal < 1 || options.signal > SIGRTMAX || options.signal == SIGKILL ||
      options.signal == SIGSTOP || options.signal == SIGSEGV) {
    return "invalid signal number " + std::to_string(options.signal);
  }
  std::unique_ptr<Sampler> sampler(new Sampler(options));
  Sampler* s = sampler.get();
  s->isolate_ = isolate;
  s->loop_ = loop;
  s->js_thread_ = pthread_self();
  if (pthread_getcpuclockid(s->js_thread_, &s->js_cpu_clock_) != 0) {
    return "cannot read the CPU clock of the JavaScript thread";
  }
  s->js_tid_ = gettid();
  {
    // The highest address of the JS thread's stack: the interrupt callback's
    // frame-pointer chain never reads past it.
    pthread_attr_t attr;
    if (pthread_getattr_np(s->js_thread_, &attr) == 0) {
      void* low = nullptr;
      size_t size = 0;
      if (pthread_attr_getstack(&attr, &low, &size) == 0) s->js_stack_top_ = reinterpret_cast<uintptr_t>(low) + size;
      pthread_attr_destroy(&attr);
    }
  }
  if (options.cpu_clock) {
    const std::string task = "/proc/self/task/" + std::to_string(s->js_tid_);
    s->js_stat_fd_ = open((task + "/stat").c_str(), O_RDONLY | O_CLOEXEC);
    s->js_status_fd_ = open((task + "/status").c_str(), O_RDONLY | O_CLOEXEC);
  } else {
    const std::string syscall = "/proc/self/task/" + std::to_string(gettid()) + "/syscall";
    s->js_syscall_fd_ = open(syscall.c_str(), O_RDONLY | O_CLOEXEC);
  }
  g_pid.store(getpid(), std::memory_order_relaxed);
  {
    struct sigaction prof {};
    sigaction(SIGPROF, nullptr, &prof);
    s->last_sigprof_handler_ = HandlerAddress(prof);
  }

  // The handler first: another sampler may hold the process's signal, or
  // another library this signal.
  const std::string handler_error = s->InstallHandler();
  if (!handler_error.empty()) return handler_error;
  if (options.cpu_clock) {
    // Not allowed (NODEINSTRUMENT_CPU_TIMER=thread, read by lib/): the
    // sampling thread's clock even where the kernel's timer works (to compare them).
    s->cpu_timer_error_ = options.cpu_timer ? s->cpu_timer_.Open(s->js_tid_, options.interval_ns, options.signal)
                                            : "NODEINSTRUMENT_CPU_TIMER=thread";
  }
  // Existing code next, so every sample finds its code in the map.
  {
    CodeEventLog& log = CodeEventLog::For(isolate);
    s->log_ = &log;
    s->code_events_at_start_ = log.event_count();
    s->enumerated_existing_code_ = log.Acquire(/*keep_all=*/true);
    s->holds_code_events_ = true;
  }
  // The flag may have been set before this copy of nodeinstrument loaded,
  // or through a reference to v8.setFlagsFromString taken before lib/ wrapped it.
  if (s->ProbeNativeStackFlag()) {
    s->running_.store(true, std::memory_order_release);
    s->Stop();
    return kNativeStackFlagError;
  }
  const std::string stack_error = s->SetUpAltStack();
  if (!stack_error.empty()) {
    s->running_.store(true, std::memory_order_release);
    s->Stop();
    return stack_error;
  }

  s->idle_prepare_ = new uv_prepare_t;
  s->idle_check_ = new uv_check_t;
  uv_prepare_init(loop, s->idle_prepare_);
  uv_check_init(loop, s->idle_check_);
  s->idle_prepare_->data = s;
  s->idle_check_->data = s;
  uv_prepare_start(s->idle_prepare_, [](uv_prepare_t* handle) {
    static_cast<Sampler*>(handle->data)->loop_idle_.store(true, std::memory_order_relaxed);
  });
  uv_check_start(s->idle_check_, [](uv_check_t* handle) {
    static_cast<Sampler*>(handle->data)->loop_idle_.store(false, std::memory_order_relaxed);
  });
  uv_unref(reinterpret_cast<uv_handle_t*>(s->idle_prepare_));
  uv_unref(reinterpret_cast<uv_handle_t*>(s->idle_check_));

  s->start_time_ns_ = MonotonicNs();
  s->start_cpu_time_ns_ = s->JsThreadCpuTime();
  s->foreign_signals_at_start_ = g_foreign_signals.load(std::memory_order_relaxed);
  if (!s->TakeSlot()) {
    s->running_.store(true, std::memory_order_release);
    s->Stop();
    return "nodeinstrument samples at most " + std::to_string(kMaxSamplers) + " threads at a time";
  }
  s->running_.store(true, std::memory_order_release);
  s->sampling_.store(true, std::memory_order_release);
  s->cpu_timer_.Enable();
  try {
    s->thread_ = std::thread(&Sampler::ThreadMain, s);
  } catch (const std::system_error& error) {
    s->Stop();  // undoes the handler, the code events and the idle handles
    return std::string("cannot start the sampling thread: ") + error.what();
  }
  *out = std::move(sampler);
  return "";
}

void Sampler::StopSampling() {
  std::lock_guard<std::mutex> lock(stop_mutex_);
  if (!sampling_.load(std::memory_order_acquire)) return;
  stop_requested_.store(true, std::memory_order_seq_cst);
  // A handler that re-arms the timer after this disables it sees the flag
  // and disables it again (OnSignal).
  cpu_timer_.Disable();
  // On the JS thread, every signal the thread sent is delivered before
  // join() returns: the thread takes pending signals on its way out of the
  // futex wait. From another thread, one signal may still be on its way: it
  // finds the sampler running (its slot is cleared only by Stop()).
  if (thread_.joinable()) thread_.join();
  MoveRingToStore();
  sampling_.store(false, std::memory_order_release);
}

void Sampler::Stop() {
  if (!running_.load(std::memory_order_acquire)) return;
  StopSampling();
  running_.store(false, std::memory_order_release);
  // Again, on the timer's own thread: a handler there may have re-armed it
  // after StopSampling ran on another thread. Once this returns, the kernel
  // signals no more, and a signal it had raised was delivered on the way back.
  cpu_timer_.Disable();
  ReleaseSlot();
  cpu_timer_.Close();
  MoveRingToStore();  // a sample a late signal left
  ReleaseHandler();
  // The sampling thread is joined and every signal it sent was handled
  // (StopSampling): no handler runs on the alternate stack any more.
  RestoreAltStack();
  if (holds_code_events_) {
    // Events not yet drained are handed over by Drain() after Stop(); the
    // log keeps them while a watcher holds it, and drops them otherwise,
    // so take them now.
    std::vector<uint8_t> events = log_->Take();
    {
      std::lock_guard<std::mutex> lock(store_mutex_);
      final_code_events_ = std::move(events);
      holds_code_events_ = false;
    }
    log_->Release(/*keep_all=*/true);
  }
  if (idle_prepare_ == nullptr) return;
  uv_prepare_stop(idle_prepare_);
  uv_check_stop(idle_check_);
  uv_close(reinterpret_cast<uv_handle_t*>(idle_prepare_),
           [](uv_handle_t* handle) { delete reinterpret_cast<uv_prepare_t*>(handle); });
  uv_close(reinterpret_cast<uv_handle_t*>(idle_check_),
           [](uv_handle_t* handle) { delete reinterpret_cast<uv_check_t*>(handle); });
  idle_prepare_ = nullptr;
  idle_check_ = nullptr;
}

void Sampler::OnSignal(void* context, bool from_timer) {
  if (g_native_stack_halt_ns.load(std::memory_order_seq_cst) != 0) {
    // The walk could meet a lock the interrupted code holds: no walk (and
    // the timer is not re-armed: sampling is halted for good).
    in_flight_.store(false, std::memory_order_release);
    return;
  }
  if (!from_timer) {
    if (tick_state_.load(std::memory_order_seq_cst) == kTickWriting) {
      // The interrupt callback is writing a sample on this thread, under this handler.
      busy_ticks_.fetch_add(1, std::memory_order_relaxed);
      in_flight_.store(false, std::memory_order_release);
      return;
    }
    RecordSample(context, 0);
    return;
  }
  // Stopped from another thread (a worker's sampler): no more samples, and
  // the timer stays disabled.
  if (stop_requested_.load(std::memory_order_seq_cst)) return;
  signals_sent_.fetch_add(1, std::memory_order_relaxed);
  // This thread's CPU clock, read on it: the sample weighs the CPU time
  // since the previous one.
  pending_cpu_time_ns_.store(ThisThreadCpuNs(), std::memory_order_relaxed);
  RecordSample(context, kSampleFlagCpuTimer);
  cpu_timer_.Rearm();
  // StopSampling sets the flag, then disables: if it disabled between the
  // check above and the re-arm, disable again (both sides sequentially consistent).
  if (stop_requested_.load(std::memory_order_seq_cst)) cpu_timer_.Disable();
}

void Sampler::RecordSample(void* context, uint16_t extra_flags) {
  const auto* uc = static_cast<const ucontext_t*>(context);
  // Only pc, sp, fp (lr) are set: Isolate::GetStackSample copies the state,
  // and would allocate a copy of callee_saved if it were set.
  v8::RegisterState regs;
#if defined(__x86_64__)
  regs.pc = reinterpret_cast<void*>(uc->uc_mcontext.gregs[REG_RIP]);
  regs.sp = reinterpret_cast<void*>(uc->uc_mcontext.gregs[REG_RSP]);
  regs.fp = reinterpret_cast<void*>(uc->uc_mcontext.gregs[REG_RBP]);
#elif defined(__aarch64__)
  regs.pc = reinterpret_cast<void*>(uc->uc_mcontext.pc);
  regs.sp = reinterpret_cast<void*>(uc->uc_mcontext.sp);
  regs.fp = reinterpret_cast<void*>(uc->uc_mcontext.regs[29]);
  regs.lr = reinterpret_cast<void*>(uc->uc_mcontext.regs[30]);
#else
#error "nodeinstrument supports x86_64 and arm64"
#endif
  uint16_t flags = extra_flags;
#if defined(__x86_64__)
  if (InterruptedSyscall(uc)) flags |= kSampleFlagBlocked;
#endif
  WriteSample(regs, flags, uc, nullptr, 0);
  in_flight_.store(false, std::memory_order_release);
}

// Walks the stack from `regs` into the ring. In a signal handler (ucontext
// set) or an interrupt callback (kSampleFlagInterrupt, ucontext null): both
// run on the JS thread, never at once (tick_state_).
void Sampler::WriteSample(const v8::RegisterState& regs, uint16_t flags, const void* ucontext,
                          void* const* chain, uint32_t chain_length) {
  const size_t max_frames = options_.max_frames;
  // The frames, then the top-of-stack word or the native chain.
  uint8_t* slot = ring_.Reserve(sizeof(SampleHeader) + (max_frames + kMaxNativeChain) * sizeof(uint64_t));
  if (slot == nullptr) {
    dropped_ring_full_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  auto* header = reinterpret_cast<SampleHeader*>(slot);
  auto** frames = reinterpret_cast<void**>(slot + sizeof(SampleHeader));
  header->seq = g_sequence.load(std::memory_order_acquire);
  // GetStackSample leaves out the interrupted frame: record the pc as the leaf.
  frames[0] = regs.pc;
  v8::SampleInfo info{};
  isolate_->GetStackSample(regs, frames + 1, max_frames - 1, &info);
  v8::RegisterState caller;
  if (info.frames_count == 0 && info.vm_state == v8::OTHER && CallerRegisters(regs, &caller)) {
    // frames[1] is the caller (its return address), then its callers.
    frames[1] = caller.pc;
    isolate_->GetStackSample(caller, frames + 2, max_frames - 2, &info);
    if (info.frames_count > 0 || info.vm_state != v8::OTHER) {
      info.frames_count += 1;
      boundary_recoveries_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  header->time_ns = MonotonicNs();
  header->cpu_time_ns = pending_cpu_time_ns_.load(std::memory_order_relaxed);
  header->external_callback = reinterpret_cast<uint64_t>(info.external_callback_entry);
  // An interrupt callback runs in V8's EXTERNAL state; the code it stopped was JavaScript.
  header->vm_state = static_cast<uint32_t>((flags & kSampleFlagInterrupt) != 0 ? v8::JS : info.vm_state);
  header->frame_count = static_cast<uint16_t>(1 + info.frames_count);
  if (loop_idle_.load(std::memory_order_relaxed)) flags |= kSampleFlagIdle;
  if (info.frames_count >= max_frames - 1) flags |= kSampleFlagTruncated;
  header->flags = flags;
  // JS writes the slot on this same thread (the handler interrupted it), so a
  // relaxed load sees the last value written before the signal arrived.
  const std::atomic<int32_t>* label_slot = options_.label_slot;
  header->label_set = label_slot ? static_cast<uint32_t>(label_slot->load(std::memory_order_relaxed)) : 0;
  header->native_chain = 0;
  size_t size = sizeof(SampleHeader) + header->frame_count * sizeof(uint64_t);
  if (ucontext != nullptr && regs.sp != nullptr) {
    // The interrupted thread's own stack, at its top: mapped and readable.
    frames[header->frame_count] = ReadStackTop(regs.sp);
    header->flags |= kSampleFlagTopOfStack;
    size += sizeof(uint64_t);
  } else if (chain_length > 0) {
    for (uint32_t i = 0; i < chain_length; ++i) frames[header->frame_count + i] = chain[i];
    header->native_chain = chain_length;
    size += chain_length * sizeof(uint64_t);
  }
  ring_.Commit(size);
  samples_recorded_.fetch_add(1, std::memory_order_relaxed);
}

// The sampling thread's tick with options.interrupts: asks V8 for an
// interrupt (unless one is pending already) and gives the thread the grace
// to serve it. True if the interrupt took the tick; false if the tick is
// the signal's (the thread is in C++, in GC, blocked, or descheduled).
bool Sampler::TickByInterrupt() {
  // Only this thread sets kTickRequested, and the callback leaves kTickWriting
  // by itself: a state read here other than kTickWriting stays so until then.
  if (tick_state_.load(std::memory_order_seq_cst) == kTickWriting) {
    busy_ticks_.fetch_add(1, std::memory_order_relaxed);  // the last tick's callback is still writing
    return true;
  }
  tick_state_.store(kTickRequested, std::memory_order_seq_cst);
  if (!interrupt_pending_.exchange(true, std::memory_order_acq_rel)) {
    interrupt_requests_.fetch_add(1, std::memory_order_relaxed);
    isolate_->RequestInterrupt(&Sampler::OnInterrupt, this);
  }
  const timespec until = FromNs(MonotonicNs() + options_.interrupt_grace_ns);
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr) == EINTR) {
  }
  int expected = kTickRequested;
  // Lost the race: the callback claimed the tick (and records it, or has).
  return !tick_state_.compare_exchange_strong(expected, kTickBySignal, std::memory_order_seq_cst);
}

// V8's interrupt callback, on the JS thread at a stack-guard check. Not a
// signal handler, but it shares the ring with one, so the same rules hold.
// The sampler may have been stopped (and freed) since the request: it is
// used only while registered, and Stop() unregisters it on this same thread.
void Sampler::OnInterrupt(v8::Isolate* isolate, void* data) {
  if (!IsRunningSampler(data)) return;
  auto* sampler = static_cast<Sampler*>(data);
  if (sampler->isolate_ != isolate) return;
  sampler->interrupt_pending_.store(false, std::memory_order_release);
  int expected = kTickRequested;
  if (!sampler->tick_state_.compare_exchange_strong(expected, kTickWriting, std::memory_order_seq_cst)) return;
  if (g_native_stack_halt_ns.load(std::memory_order_seq_cst) != 0) {
    sampler->tick_state_.store(kTickResolved, std::memory_order_seq_cst);
    return;
  }
  // Who called this callback: V8's stack-guard runtime (JavaScript reached a
  // check) or C++ that checks for interrupts itself (NativeCallers).
  void* chain[kMaxNativeChain];
  const uint32_t chain_length = NativeCallers(__builtin_frame_address(0), sampler->js_stack_top_, chain);
  // No pc: V8's walk starts at the exit frame of the call that served the
  // interrupt, whose caller is the JavaScript that reached the check.
  v8::RegisterState regs;
  regs.pc = nullptr;
  regs.sp = __builtin_frame_address(0);
  regs.fp = __builtin_frame_address(0);
  sampler->WriteSample(regs, kSampleFlagInterrupt, nullptr, chain, chain_length);
  sampler->interrupt_samples_.fetch_add(1, std::memory_order_relaxed);
  sampler->tick_state_.store(kTickResolved, std::memory_order_seq_cst);
  if (sampler->options_.interrupt_check) {
    // Delivered to this thread before the call returns: the handler walks the same moment.
    sigval value;
    value.sival_ptr = sampler;
    sampler->in_flight_.store(true, std::memory_order_release);
    pthread_sigqueue(pthread_self(), sampler->options_.signal, value);
  }
}

// With the flag on, V8 makes a trampoline copy for the probe script and logs
// it while it compiles, and OnJitCodeEvent halts sampling. True if halted.
bool Sampler::ProbeNativeStackFlag() {
  CompileProbeScript(isolate_);
  return NativeStackFlagHaltNs() != 0;
}

// On the JS thread, before the sampling thread starts.
std::string Sampler::SetUpAltStack() {
  stack_t current{};
  if (sigaltstack(nullptr, &current) != 0) return "";
  if ((current.ss_flags & SS_DISABLE) == 0 && current.ss_size >= kAltStackBytes) return "";  // theirs will do
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t bytes = kAltStackBytes + page;  // a guard page below: overflowing it faults
  void* map = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (map == MAP_FAILED) return "nodeinstrument: cannot map an alternate signal stack: " + std::string(strerror(errno));
  mprotect(map, page, PROT_NONE);
  stack_t ours{};
  ours.ss_sp = static_cast<char*>(map) + page;
  ours.ss_size = kAltStackBytes;
  if (sigaltstack(&ours, &previous_alt_stack_) != 0) {
    munmap(map, bytes);
    return "nodeinstrument: cannot set an alternate signal stack: " + std::string(strerror(errno));
  }
  alt_stack_map_ = map;
  alt_stack_map_bytes_ = bytes;
  return "";
}

// On the JS thread, once no handler can run on our stack.
void Sampler::RestoreAltStack() {
  if (alt_stack_map_ == nullptr) return;
  stack_t current{};
  sigaltstack(nullptr, &current);
  if ((current.ss_flags & SS_ONSTACK) != 0) return;  // never: Stop does not run in a handler; keep it mapped
  const char* ours = static_cast<char*>(alt_stack_map_);
  if (current.ss_sp >= ours && current.ss_sp < ours + alt_stack_map_bytes_) {
    // Still ours: put back what was there (another library may have replaced it meanwhile: then leave theirs).
    stack_t previous = previous_alt_stack_;
    if ((previous.ss_flags & SS_DISABLE) != 0) {
      previous = stack_t{};
      previous.ss_flags = SS_DISABLE;
    }
    if (sigaltstack(&previous, nullptr) != 0) return;  // keep ours mapped rather than free a stack in use
  }
  munmap(alt_stack_map_, alt_stack_map_bytes_);
  alt_stack_map_ = nullptr;
  alt_stack_map_bytes_ = 0;
}

bool Sampler::RunningFor(v8::Isolate* isolate) {
  const int used = g_sampler_slots_used.load(std::memory_order_acquire);
  for (int i = 0; i < used; ++i) {
    if (g_sampler_isolates[i].load(std::memory_order_acquire) == isolate) return true;
  }
  return false;
}

bool Sampler::TakeSlot() {
  for (int i = 0; i < kMaxSamplers; ++i) {
    Sampler* expected = nullptr;
    if (g_samplers[i].compare_exchange_strong(expected, this, std::memory_order_acq_rel)) {
      g_sampler_isolates[i].store(isolate_, std::memory_order_release);
      g_sampler_timer_tids[i].store(js_tid_, std::memory_order_release);
      g_sampler_timer_fds[i].store(cpu_timer_.open() ? cpu_timer_.fd() + 1 : 0, std::memory_order_release);
      int used = g_sampler_slots_used.load(std::memory_order_acquire);
      while (used < i + 1 && !g_sampler_slots_used.compare_exchange_weak(used, i + 1, std::memory_order_acq_rel)) {
      }
      slot_ = i;
      return true;
    }
  }
  return false;
}

void Sampler::ReleaseSlot() {
  if (slot_ < 0) return;
  g_sampler_timer_fds[slot_].store(0, std::memory_order_release);
  g_sampler_isolates[slot_].store(nullptr, std::memory_order_release);
  g_samplers[slot_].store(nullptr, std::memory_order_release);
  slot_ = -1;
}

std::string Sampler::InstallHandler() {
  std::lock_guard<std::mutex> lock(g_handler_mutex);
  if (g_handler_users > 0) {
    if (g_handler_signal != options_.signal) {
      return "nodeinstrument is sampling another thread of this process on signal " +
             std::to_string(g_handler_signal) + "; a second profile must use the same signal";
    }
  } else {
    struct sigaction existing {};
    sigaction(options_.signal, nullptr, &existing);
    if (existing.sa_handler != SIG_DFL && existing.sa_handler != SIG_IGN) {
      return "signal " + std::to_string(options_.signal) +
             " already has a handler (another copy of nodeinstrument, or another "
             "library, uses it); choose another with the signal option or "
             "NODEINSTRUMENT_SIGNAL";
    }
    const struct sigaction action = OurAction();
    sigaction(options_.signal, &action, &g_previous_action);
    g_handler_signal = options_.signal;
  }
  ++g_handler_users;
  handler_installed_ = true;
  return "";
}

void Sampler::ReleaseHandler() {
  if (!handler_installed_) return;
  handler_installed_ = false;
  std::lock_guard<std::mutex> lock(g_handler_mutex);
  if (--g_handler_users == 0) sigaction(g_handler_signal, &g_previous_action, nullptr);
}

uint64_t Sampler::JsThreadCpuTime() const {
  timespec ts;
  if (clock_gettime(js_cpu_clock_, &ts) != 0) return 0;
  return ToNs(ts);
}

void Sampler::ThreadMain() {
  // Wake at the deadline, not up to 50 us after it (the default slack).
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  pthread_setname_np(pthread_self(), "nodeinstrument");
  const uint64_t interval = options_.interval_ns;
  const bool cpu_clock = options_.cpu_clock;
  const bool interrupts = options_.interrupts && !cpu_clock;
  uint64_t deadline = MonotonicNs() + interval;                 // wall mode: CLOCK_MONOTONIC
  uint64_t cpu_deadline = start_cpu_time_ns_ + interval;        // CPU mode: the JS thread's CPU clock
  uint64_t next_watch_ns = MonotonicNs() + kWatchEveryNs;
  uint64_t sent_at_ns = 0;
  if (cpu_timer_.open()) {
    TimerModeMain();
    return;
  }
  while (!stop_requested_.load(std::memory_order_acquire)) {
    uint64_t cpu_now = 0;
    if (cpu_clock) {
      if (!WaitForCpuTime(cpu_deadline, &cpu_now)) break;
    } else {
      const timespec ts = FromNs(deadline);
      while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
      }
    }
    if (stop_requested_.load(std::memory_order_acquire)) break;
    if (NativeStackFlagHaltNs() != 0) break;  // halted for good: see HaltSamplingForNativeStackFlag
    MoveRingToStore();
    // One signal at a time: if the last one is still undelivered (the thread
    // is stopped or stuck), sending more would only queue them up. One that
    // stays unanswered for long was taken by another handler: send again.
    bool in_flight = in_flight_.load(std::memory_order_acquire);
    const bool handled = !in_flight;  // the last signal's handler has finished
    if (in_flight && MonotonicNs() - sent_at_ns > kLostSignalNs) {
      lost_signals_.fetch_add(1, std::memory_order_relaxed);
      in_flight = false;
    }
    if (handled && !cpu_clock && loop_idle_.load(std::memory_order_acquire) && JsThreadInPollWait()) {
      // The event loop waits in epoll for I/O or timers: the thread is off
      // the CPU and its stack is libuv's. Record the idle sample here instead
      // of interrupting it: an idle service pays nothing, and its poll sees
      // no EINTR. (CPU mode sends nothing while the thread is off the CPU.)
      RecordIdleSample();
    } else if (!in_flight) {
      pending_cpu_time_ns_.store(cpu_clock ? cpu_now : JsThreadCpuTime(), std::memory_order_relaxed);
      // With interrupts, the signal only for a tick the thread did not serve in time.
      if (!(interrupts && TickByInterrupt())) {
        in_flight_.store(true, std::memory_order_release);
        sent_at_ns = MonotonicNs();
        sigval value;
        value.sival_ptr = this;
        if (pthread_sigqueue(js_thread_, options_.signal, value) == 0) {
          signals_sent_.fetch_add(1, std::memory_order_relaxed);
        } else {
          in_flight_.store(false, std::memory_order_release);
        }
      }
    } else {
      busy_ticks_.fetch_add(1, std::memory_order_relaxed);
    }
    const uint64_t now = MonotonicNs();
    if (now >= next_watch_ns) {
      WatchSignalHandlers();
      next_watch_ns = now + kWatchEveryNs;
    }
    // Absolute deadlines keep the rate; after a long stall, skip the missed
    // ticks instead of firing a burst (each sample's duration is measured).
    if (cpu_clock) {
      cpu_deadline += interval;
      if (cpu_deadline <= cpu_now) {
        late_ticks_.fetch_add(1, std::memory_order_relaxed);
        cpu_deadline = cpu_now + interval;
      }
    } else {
      // A tick less than an interval late fires at once: the sampling
      // thread's own wake-up (twice a tick with interrupts) was delayed, not
      // the thread it samples.
      deadline += interval;
      if (deadline + interval <= now) {
        late_ticks_.fetch_add(1, std::memory_order_relaxed);
        deadline = now + interval;
      }
    }
  }
  MoveRingToStore();
}

// CPU mode with the kernel's timer (CpuTimer): the kernel signals the JS
// thread; this thread only moves samples on and watches the handlers.
void Sampler::TimerModeMain() {
  uint64_t wake = MonotonicNs();
  uint64_t next_watch_ns = wake + kWatchEveryNs;
  uint64_t watched_signals = signals_sent_.load(std::memory_order_relaxed);
  uint64_t watched_cpu_ns = JsThreadCpuTime();
  while (!stop_requested_.load(std::memory_order_acquire)) {
    wake += kTimerModeWakeNs;
    const timespec ts = FromNs(wake);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
    }
    if (NativeStackFlagHaltNs() != 0) {
      cpu_timer_.Disable();
      break;
    }
    MoveRingToStore();
    const uint64_t now = MonotonicNs();
    if (now >= next_watch_ns) {
      WatchSignalHandlers();
      next_watch_ns = now + kWatchEveryNs;
      // Signals taken by another handler (until WatchSignalHandlers put ours
      // back) used up the timer's budget without re-arming it: then the
      // thread ran for more than a budget of intervals and no signal came.
      // Give the budget back, but only with none of ours pending (else
      // the bound of pending signals would not hold).
      const uint64_t signals = signals_sent_.load(std::memory_order_relaxed);
      const uint64_t cpu_ns = JsThreadCpuTime();
      if (signals == watched_signals && cpu_ns - watched_cpu_ns > (CpuTimer::kSignalBudget + 2) * options_.interval_ns &&
          !SignalPendingOnJsThread() && !stop_requested_.load(std::memory_order_seq_cst)) {
        cpu_timer_.Restore(CpuTimer::kSignalBudget);
        lost_signals_.fetch_add(1, std::memory_order_relaxed);
      }
      watched_signals = signals;
      watched_cpu_ns = cpu_ns;
    }
    if (wake <= now) wake = now;  // after a stall, no burst of wake-ups
  }
  MoveRingToStore();
}

// Whether our signal waits for the JS thread (SigPnd of its
// /proc/self/task/<tid>/status, a hex mask, bit n-1 for signal n). True when
// the file cannot be read: then the budget is not restored.
bool Sampler::SignalPendingOnJsThread() const {
  char buffer[2048];
  if (!ReadProcFile(js_status_fd_, buffer, sizeof(buffer))) return true;
  const char* line = strstr(buffer, "\nSigPnd:");
  if (line == nullptr) return true;
  const unsigned long long mask = strtoull(line + 8, nullptr, 16);
  return ((mask >> (options_.signal - 1)) & 1) != 0;
}

// CPU mode without it: sleeps until the JS thread's CPU clock reaches `target_ns` while
// the thread is on the CPU. One thread's CPU time advances at most as fast as
// wall time, so sleeping for the CPU time still missing never overshoots
// while the thread runs. While it is off the CPU (idle, blocked, preempted)
// the clock stands still: check again one interval later and send no signal.
// Reading another thread's CPU clock is a system call; it costs this thread,
// not the profiled one. Returns false when asked to stop.
bool Sampler::WaitForCpuTime(uint64_t target_ns, uint64_t* cpu_now_ns) {
  const uint64_t interval = options_.interval_ns;
  // Not shorter: a thread that runs in short bursts would otherwise wake this
  // one many times per sample as the remaining time shrinks.
  const uint64_t min_wait = interval / 8;
  uint64_t previous = JsThreadCpuTime();
  uint64_t previous_wall = MonotonicNs();
  uint64_t cpu = previous;
  bool first = true;
  while (!stop_requested_.load(std::memory_order_acquire)) {
    uint64_t wall = previous_wall;
    if (!first) {
      cpu = JsThreadCpuTime();
      wall = MonotonicNs();
    }
    if (cpu >= target_ns) {
      // The clock crossed the target, but this thread may wake long after
      // (on a loaded machine, milliseconds), when the JS thread has gone off
      // the CPU: a signal then would charge the CPU time to a blocked stack
      // (Atomics.wait, a sync read). Send only while it runs (or waits for a
      // core): it ran all the time since the last look, or the kernel says so.
      const bool ran_throughout = !first && (cpu - previous) * 4 >= (wall - previous_wall) * 3;
      if (ran_throughout || JsThreadRunnable()) {
        *cpu_now_ns = cpu;
        return true;
      }
    }
    const bool ran = first || cpu > previous;
    first = false;
    previous = cpu;
    previous_wall = wall;
    uint64_t wait = cpu >= target_ns ? min_wait : ran ? target_ns - cpu : interval;
    if (wait < min_wait) wait = min_wait;
    const timespec ts = FromNs(MonotonicNs() + wait);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
    }
  }
  return false;
}

// Whether the JS thread is blocked in epoll_wait right now, from the system
// call /proc/self/task/<tid>/syscall names ("running" while it runs). The
// loop's idle flag alone is not enough: libuv runs I/O callbacks, and with
// them most of a server's JavaScript, inside its poll phase. False when the
// file cannot be read (then a signal is sent, as for running code).
bool Sampler::JsThreadInPollWait() const {
  char buffer[32];
  if (!ReadProcFile(js_syscall_fd_, buffer, sizeof(buffer))) return false;
  char* end = nullptr;
  const long number = strtol(buffer, &end, 10);
  if (end == buffer) return false;  // "running"
#if defined(__x86_64__)
  return number == 232 || number == 281 || number == 441;  // epoll_wait, epoll_pwait, epoll_pwait2
#elif defined(__aarch64__)
  return number == 22 || number == 441;  // epoll_pwait, epoll_pwait2
#else
  return false;
#endif
}

// Whether the JS thread is running or runnable (preempted by another thread
// is still on-CPU work), rather than sleeping or blocked: the state letter of
// /proc/self/task/<tid>/stat, read through a descriptor opened at start. If
// it cannot be read, the thread is taken to be running.
bool Sampler::JsThreadRunnable() const {
  char buffer[512];
  if (!ReadProcFile(js_stat_fd_, buffer, sizeof(buffer))) return true;
  // "tid (comm) S ...": comm may hold spaces and parentheses; the state
  // follows the last ')'.
  const char* close = strrchr(buffer, ')');
  if (close == nullptr || close[1] != ' ') return true;
  return close[2] == 'R';
}

// On the sampling thread, once the last signal's handler has finished (so no
// handler writes the ring until this thread signals again): the ring is
// emptied into the store first, so the record lands there in time order.
void Sampler::RecordIdleSample() {
  MoveRingToStore();
  struct {
    SampleHeader header;
    uint64_t pc;
  } record{};
  record.header.seq = g_sequence.load(std::memory_order_acquire);
  record.header.time_ns = MonotonicNs();
  record.header.cpu_time_ns = JsThreadCpuTime();
  record.header.vm_state = static_cast<uint32_t>(v8::IDLE);
  record.header.frame_count = 1;  // frames[0], the pc: none
  record.header.flags = kSampleFlagIdle;
  const std::atomic<int32_t>* label_slot = options_.label_slot;
  record.header.label_set = label_slot ? static_cast<uint32_t>(label_slot->load(std::memory_order_relaxed)) : 0;
  static_assert(sizeof(record) == sizeof(SampleHeader) + sizeof(uint64_t), "one frame after the header");
  const auto* bytes = reinterpret_cast<const uint8_t*>(&record);
  std::lock_guard<std::mutex> lock(store_mutex_);
  if (store_.size() + sizeof(record) > options_.max_pending_bytes) {
    dropped_store_full_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  store_.insert(store_.end(), bytes, bytes + sizeof(record));
  samples_recorded_.fetch_add(1, std::memory_order_relaxed);
  idle_ticks_.fetch_add(1, std::memory_order_relaxed);
}

void Sampler::MoveRingToStore() {
  std::lock_guard<std::mutex> lock(store_mutex_);
  ring_.Consume([this](const uint8_t* payload, size_t size) {
    if (store_.size() + size > options_.max_pending_bytes) {
      dropped_store_full_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    store_.insert(store_.end(), payload, payload + size);
  });
}

void Sampler::WatchSignalHandlers() {
  struct sigaction current {};
  sigaction(options_.signal, nullptr, &current);
  if (!IsOurHandler(current)) {
    const struct sigaction action = OurAction();
    sigaction(options_.signal, &action, nullptr);
    handler_reinstalls_.fetch_add(1, std::memory_order_relaxed);
  }
  sigaction(SIGPROF, nullptr, &current);
  void* sigprof_handler = HandlerAddress(current);
  if (sigprof_handler != last_sigprof_handler_) {
    last_sigprof_handler_ = sigprof_handler;
    sigprof_handler_changes_.fetch_add(1, std::memory_order_relaxed);
  }
}

DrainResult Sampler::Drain() {
  DrainResult result;
  if (!sampling_.load(std::memory_order_acquire)) MoveRingToStore();
  // Samples first, then code events: every code event a drained sample
  // depends on is then either in this batch or an earlier one.
  std::lock_guard<std::mutex> lock(store_mutex_);
  result.samples.swap(store_);
  if (holds_code_events_) {
    result.code_events = log_->Take();
  } else {
    result.code_events.swap(final_code_events_);
  }
  return result;
}

SamplerStats Sampler::Stats() const {
  SamplerStats stats;
  stats.signals_sent = signals_sent_.load();
  stats.samples_recorded = samples_recorded_.load();
  stats.dropped_ring_full = dropped_ring_full_.load();
  stats.dropped_store_full = dropped_store_full_.load();
  stats.handler_reinstalls = handler_reinstalls_.load();
  stats.sigprof_handler_changes = sigprof_handler_changes_.load();
  stats.foreign_signals = g_foreign_signals.load() - foreign_signals_at_start_;
  stats.code_events = log_ != nullptr ? log_->event_count() - code_events_at_start_ : 0;
  stats.late_ticks = late_ticks_.load();
  stats.busy_ticks = busy_ticks_.load();
  stats.boundary_recoveries = boundary_recoveries_.load();
  stats.lost_signals = lost_signals_.load();
  stats.idle_ticks = idle_ticks_.load();
  stats.cpu_timer = options_.cpu_clock && cpu_timer_error_.empty() ? 1 : 0;
  stats.native_stack_halt_ns = NativeStackFlagHaltNs();
  stats.interrupt_samples = interrupt_samples_.load();
  stats.interrupt_requests = interrupt_requests_.load();
  return stats;
}

}  // namespace nodeinstrument
