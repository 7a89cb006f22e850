// The JavaScript surface of the native sampler (see lib/native/addon.ts for the
// types). Everything here runs on the JS thread.
#include <napi.h>
#include <node_version.h>
#include <v8.h>

#include <dlfcn.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <ctime>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>

#include "elf_functions.h"
#include "heap_limit.h"
#include "memory_monitor.h"
#include "native_symbols.h"
#include "script_keeper.h"
#include "sampler.h"
#include "termination.h"
#include "workers.h"

namespace nodeinstrument {
namespace {

// An ELF function table being read on a thread of its own (prefetchFunctionTable).
struct ElfRead {
  bool ok = false;
  ElfFunctions functions;
};

struct AddonState {
  std::unique_ptr<Sampler> sampler;
  // Tables asked for ahead, by path: functionTable takes (and waits for) them.
  // A future from std::async waits for its thread when destroyed, so teardown
  // never leaves a reader behind.
  std::map<std::string, std::future<ElfRead>> elf_reads;
  bool watching_code = false;  // holds the code event log (watchCode)
  std::unique_ptr<MemoryMonitor> memory;
  std::unique_ptr<ScriptKeeper> scripts;
  uint32_t worker_key = 0;  // registered as a worker (registerWorker)
};

static_assert(std::atomic<int32_t>::is_always_lock_free && sizeof(std::atomic<int32_t>) == sizeof(int32_t),
              "the signal handler reads the label slot, which JS writes as an Int32Array");

AddonState& State(Napi::Env env) { return *env.GetInstanceData<AddonState>(); }

uint64_t OptionalUint(const Napi::Object& options, const char* key, uint64_t fallback) {
  if (!options.Has(key)) return fallback;
  Napi::Value value = options.Get(key);
  if (value.IsUndefined()) return fallback;
  if (!value.IsNumber()) {
    throw Napi::TypeError::New(options.Env(), std::string(key) + " must be a number");
  }
  const double number = value.As<Napi::Number>().DoubleValue();
  if (!(number >= 0) || number > 9007199254740991.0) {
    throw Napi::RangeError::New(options.Env(), std::string(key) + " is out of range");
  }
  return static_cast<uint64_t>(number);
}

// The options of start() and startWorkers(), validated.
SamplerOptions ParseSamplerOptions(Napi::Env env, Napi::Value value) {
  SamplerOptions options;
  if (value.IsObject()) {
    const Napi::Object object = value.As<Napi::Object>();
    options.interval_ns = OptionalUint(object, "intervalNs", options.interval_ns);
    options.max_frames = static_cast<uint32_t>(OptionalUint(object, "maxFrames", options.max_frames));
    options.signal = static_cast<int>(OptionalUint(object, "signal", 0));
    options.max_pending_bytes = OptionalUint(object, "maxPendingBytes", options.max_pending_bytes);
    // labelSlot: an ArrayBuffer whose first 4 bytes hold the label-set id JS
    // sets (lib/labels/state.ts). Its memory never moves; the caller keeps
    // the buffer alive for as long as the sampler runs.
    const Napi::Value slot = object.Get("labelSlot");
    if (!slot.IsUndefined()) {
      if (!slot.IsArrayBuffer() || slot.As<Napi::ArrayBuffer>().ByteLength() < sizeof(int32_t) ||
          reinterpret_cast<uintptr_t>(slot.As<Napi::ArrayBuffer>().Data()) % alignof(std::atomic<int32_t>) != 0) {
        throw Napi::TypeError::New(env, "labelSlot must be an aligned ArrayBuffer of at least 4 bytes");
      }
      options.label_slot = static_cast<const std::atomic<int32_t>*>(slot.As<Napi::ArrayBuffer>().Data());
    }
    options.cpu_clock = object.Has("cpuClock") && object.Get("cpuClock").ToBoolean().Value();
    options.cpu_timer = !object.Has("cpuTimer") || object.Get("cpuTimer").ToBoolean().Value();
    options.interrupts = object.Has("interrupts") && object.Get("interrupts").ToBoolean().Value();
    options.interrupt_grace_ns = OptionalUint(object, "interruptGraceNs", options.interrupt_grace_ns);
    options.interrupt_check = object.Has("interruptCheck") && object.Get("interruptCheck").ToBoolean().Value();
  }
  if (options.interval_ns < 10000) {
    throw Napi::RangeError::New(env, "interval must be at least 10 microseconds");
  }
  if (options.max_frames < 2 || options.max_frames > 4096) {
    throw Napi::RangeError::New(env, "maxFrames must be between 2 and 4096");
  }
  return options;
}

// V8 13 (Node 24) locks with absl::Mutex. The first lock that has to wait calibrates the TSC
// (absl::base_internal::NominalCPUFrequency) by sleeping in a `nanosleep(&ts, &ts)` loop that
// restarts after EINTR with the time left. At a 10 us interval the next signal is pending as
// soon as the handler returns, so each restart returns at once and that sleep never ends
// (measured: a scavenge stuck there for good, `-i 10us` on Node 24, 1 run in 16). It calibrates
// once per process, so it is made to here, before the first signal. Without absl (Node 20 and
// 22) the symbol is not there and nothing happens.
void CalibrateAbslClockOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    using NominalFrequency = double (*)();
    auto* nominal = reinterpret_cast<NominalFrequency>(dlsym(RTLD_DEFAULT, "_ZN4absl13base_internal19NominalCPUFrequencyEv"));
    if (nominal != nullptr) nominal();
  });
}

Napi::Value Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonState& state = State(env);
  if (state.sampler && state.sampler->running()) return Napi::Boolean::New(env, false);
  const SamplerOptions options = ParseSamplerOptions(env, info.Length() > 0 ? info[0] : env.Undefined());
  CalibrateAbslClockOnce();
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    throw Napi::Error::New(env, "cannot get the event loop");
  }
  // Drop the previous session's buffers before taking new ones.
  state.sampler.reset();
  if (Workers::IsSampled(v8::Isolate::GetCurrent())) {
    throw Napi::Error::New(env, "this worker thread is already sampled by the profile the main thread runs "
                                "(its workers option); profile it from there, or start that profile with workers: false");
  }
  std::unique_ptr<Sampler> sampler;
  const std::string error = Sampler::Start(v8::Isolate::GetCurrent(), loop, options, &sampler);
  if (!error.empty()) throw Napi::Error::New(env, error);
  state.sampler = std::move(sampler);
  return Napi::Boolean::New(env, true);
}

Napi::Value Stop(const Napi::CallbackInfo& info) {
  AddonState& state = State(info.Env());
  const bool was_running = state.sampler && state.sampler->running();
  if (was_running) state.sampler->Stop();
  return Napi::Boolean::New(info.Env(), was_running);
}

Napi::Value IsRunning(const Napi::CallbackInfo& info) {
  AddonState& state = State(info.Env());
  return Napi::Boolean::New(info.Env(), state.sampler && state.sampler->running());
}

Napi::ArrayBuffer CopyToArrayBuffer(Napi::Env env, const std::vector<uint8_t>& bytes) {
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, bytes.size());
  if (!bytes.empty()) std::memcpy(buffer.Data(), bytes.data(), bytes.size());
  return buffer;
}

Napi::Value Drain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonState& state = State(env);
  Napi::Object result = Napi::Object::New(env);
  DrainResult drained;
  if (state.sampler) drained = state.sampler->Drain();
  result.Set("samples", CopyToArrayBuffer(env, drained.samples));
  result.Set("codeEvents", CopyToArrayBuffer(env, drained.code_events));
  return result;
}

void SetStats(Napi::Object object, const SamplerStats& stats);

Napi::Value Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonState& state = State(env);
  Napi::Object result = Napi::Object::New(env);
  if (!state.sampler) return env.Null();
  const SamplerStats stats = state.sampler->Stats();
  const auto set = [&](const char* key, uint64_t value) {
    result.Set(key, Napi::Number::New(env, static_cast<double>(value)));
  };
  set("startTimeNs", state.sampler->start_time_ns());
  set("startCpuTimeNs", state.sampler->start_cpu_time_ns());
  set("signal", static_cast<uint64_t>(state.sampler->signal()));
  SetStats(result, stats);
  set("enumeratedExistingCode", state.sampler->enumerated_existing_code() ? 1 : 0);
  result.Set("cpuTimerError", Napi::String::New(env, state.sampler->cpu_timer_error()));
  return result;
}

// The counters every sampler keeps, as numbers on `object`.
void SetStats(Napi::Object object, const SamplerStats& stats) {
  Napi::Env env = object.Env();
  const auto set = [&](const char* key, uint64_t value) {
    object.Set(key, Napi::Number::New(env, static_cast<double>(value)));
  };
  set("signalsSent", stats.signals_sent);
  set("samplesRecorded", stats.samples_recorded);
  set("droppedRingFull", stats.dropped_ring_full);
  set("droppedStoreFull", stats.dropped_store_full);
  set("handlerReinstalls", stats.handler_reinstalls);
  set("sigprofHandlerChanges", stats.sigprof_handler_changes);
  set("foreignSignals", stats.foreign_signals);
  set("codeEvents", stats.code_events);
  set("lateTicks", stats.late_ticks);
  set("busyTicks", stats.busy_ticks);
  set("boundaryRecoveries", stats.boundary_recoveries);
  set("lostSignals", stats.lost_signals);
  set("idleTicks", stats.idle_ticks);
  set("cpuTimer", stats.cpu_timer);
  set("nativeStackHaltNs", stats.native_stack_halt_ns);
  set("interruptSamples", stats.interrupt_samples);
  set("interruptRequests", stats.interrupt_requests);
}

// lib/native/v8-flags.ts calls it before --interpreted-frames-native-stack takes
// effect: every sampler in the process stops walking stacks for good.
Napi::Value HaltForNativeStackFlag(const Napi::CallbackInfo& info) {
  HaltSamplingForNativeStackFlag();
  return info.Env().Undefined();
}

Napi::Value MonotonicNow(const Napi::CallbackInfo& info) {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return Napi::Number::New(info.Env(), static_cast<double>(ts.tv_sec) * 1e9 + ts.tv_nsec);
}

Napi::Value ThreadCpuTime(const Napi::CallbackInfo& info) {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return Napi::Number::New(info.Env(), static_cast<double>(ts.tv_sec) * 1e9 + ts.tv_nsec);
}

// resolveSymbol(address: number): string, '' when no symbol is exported there.
Napi::Value ResolveSymbol(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    throw Napi::TypeError::New(env, "resolveSymbol expects an address");
  }
  const double address = info[0].As<Napi::Number>().DoubleValue();
  return Napi::String::New(env, ResolveNativeAddress(static_cast<uint64_t>(address)).symbol);
}

// demangle(name: string): string, the C++ name of a mangled symbol (the name itself otherwise).
Napi::Value DemangleSymbol(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "demangle expects a symbol name");
  return Napi::String::New(env, Demangle(info[0].As<Napi::String>().Utf8Value().c_str()));
}

// functionTable(path): the functions of an ELF file by address (elf_functions.h):
// { starts: Float64Array, ends: Float64Array, nameOffsets: Uint32Array,
//   stringsOffset, stringsSize, segments: [{ offset, vaddr, size }] }, or null
// when the file has none. Takes the table prefetchFunctionTable started reading, if any.
Napi::Value FunctionTable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "functionTable expects a path");
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  ElfFunctions functions;
  AddonState& state = State(env);
  const auto ahead = state.elf_reads.find(path);
  if (ahead != state.elf_reads.end()) {
    ElfRead read = ahead->second.get();
    state.elf_reads.erase(ahead);
    if (!read.ok) return env.Null();
    functions = std::move(read.functions);
  } else {
    std::string error;
    if (!ReadElfFunctions(path, &functions, &error)) return env.Null();
  }
  const size_t count = functions.starts.size();
  Napi::Float64Array starts = Napi::Float64Array::New(env, count);
  Napi::Float64Array ends = Napi::Float64Array::New(env, count);
  Napi::Uint32Array names = Napi::Uint32Array::New(env, count);
  std::memcpy(starts.Data(), functions.starts.data(), count * sizeof(double));
  std::memcpy(ends.Data(), functions.ends.data(), count * sizeof(double));
  std::memcpy(names.Data(), functions.name_offsets.data(), count * sizeof(uint32_t));
  Napi::Array segments = Napi::Array::New(env, functions.segments.size());
  for (size_t i = 0; i < functions.segments.size(); i++) {
    Napi::Object segment = Napi::Object::New(env);
    segment.Set("offset", static_cast<double>(functions.segments[i].offset));
    segment.Set("vaddr", static_cast<double>(functions.segments[i].vaddr));
    segment.Set("size", static_cast<double>(functions.segments[i].size));
    segments.Set(static_cast<uint32_t>(i), segment);
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("starts", starts);
  result.Set("ends", ends);
  result.Set("nameOffsets", names);
  result.Set("stringsOffset", static_cast<double>(functions.strings_offset));
  result.Set("stringsSize", static_cast<double>(functions.strings_size));
  result.Set("segments", segments);
  return result;
}

// prefetchFunctionTable(path): starts reading the file's function table on a
// thread of its own, for a later functionTable(path). Node's own table takes
// 30-40 ms to read: done while the program runs, on another core, instead of
// at the first drain (for a synchronous program, after it ended). A second
// call for a path still being read does nothing.
Napi::Value PrefetchFunctionTable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "prefetchFunctionTable expects a path");
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  AddonState& state = State(env);
  if (state.elf_reads.count(path) > 0) return env.Undefined();
  try {
    state.elf_reads.emplace(path, std::async(std::launch::async, [path] {
                              ElfRead read;
                              std::string error;
                              read.ok = ReadElfFunctions(path, &read.functions, &error);
                              return read;
                            }));
  } catch (const std::system_error&) {
    // No thread to be had: functionTable reads it when asked.
  }
  return env.Undefined();
}

// memoryStart(intervalNs): starts recording process memory (see memory_monitor.h).
Napi::Value MemoryStart(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonState& state = State(env);
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "memoryStart expects an interval in ns");
  const double interval = info[0].As<Napi::Number>().DoubleValue();
  if (!(interval >= 1e6) || interval > 60e9) throw Napi::RangeError::New(env, "memory interval must be 1 ms to 60 s");
  state.memory.reset();
  std::unique_ptr<MemoryMonitor> monitor;
  const std::string error = MemoryMonitor::Start(v8::Isolate::GetCurrent(), static_cast<uint64_t>(interval), &monitor);
  if (!error.empty()) throw Napi::Error::New(env, error);
  state.memory = std::move(monitor);
  return env.Undefined();
}

// memorySample(): records a point now, with V8's heap used read now.
Napi::Value MemorySample(const Napi::CallbackInfo& info) {
  AddonState& state = State(info.Env());
  if (state.memory) state.memory->Sample();
  return info.Env().Undefined();
}

// memoryStop(): a last point, then the thread and GC callback go. Drain afterwards.
Napi::Value MemoryStop(const Napi::CallbackInfo& info) {
  AddonState& state = State(info.Env());
  if (state.memory) state.memory->Stop();
  return info.Env().Undefined();
}

// memoryDrain(): Float64Array of (monotonic ns, rss bytes, heap used bytes) triples.
Napi::Value MemoryDrain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonState& state = State(env);
  std::vector<double> points;
  if (state.memory) points = state.memory->Drain();
  Napi::Float64Array array = Napi::Float64Array::New(env, points.size());
  if (!points.empty()) std::memcpy(array.Data(), points.data(), points.size() * sizeof(double));
  return array;
}

// keepScripts(on): in alloc mode, keeps every script code runs from alive (script_keeper.h).
// Returns how many scripts were held. Refused while the sampler owns the JIT code events.
Napi::Value KeepScripts(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonState& state = State(env);
  const bool on = info.Length() > 0 && info[0].ToBoolean().Value();
  size_t held = state.scripts ? state.scripts->size() : 0;
  if (on) {
    if (state.sampler && state.sampler->running()) throw Napi::Error::New(env, "the sampler is running: it owns V8's code events");
    if (!state.scripts) state.scripts = ScriptKeeper::Start(v8::Isolate::GetCurrent());
  } else {
    state.scripts.reset();
  }
  return Napi::Number::New(env, static_cast<double>(held));
}

// watchCode(on): holds the code event log between recordings, so that a
// recording starts without V8's heap walk and knows code compiled before it.
// Returns whether it was watching before.
Napi::Value WatchCode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonState& state = State(env);
  const bool on = info.Length() > 0 && info[0].ToBoolean().Value();
  const bool was = state.watching_code;
  if (on && !was) {
    CodeEventLog::For(v8::Isolate::GetCurrent()).Acquire(/*keep_all=*/false);
    state.watching_code = true;
  } else if (!on && was) {
    CodeEventLog::For(v8::Isolate::GetCurrent()).Release(/*keep_all=*/false);
    state.watching_code = false;
  }
  return Napi::Boolean::New(env, was);
}

// takeCodeEvents(rescan): the events logged since the last take, between
// recordings: { codeEvents, overflowed }. After an overflow (or when asked)
// the events are those since the gap followed by a fresh listing of all
// existing code: the catalog starts over from them.
Napi::Value TakeCodeEvents(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonState& state = State(env);
  if (!state.watching_code) throw Napi::Error::New(env, "not watching code (watchCode(true) first)");
  if (state.sampler && state.sampler->running()) throw Napi::Error::New(env, "a recording is running: its drain takes the code events");
  // rescan: the caller knows the log missed events (another copy of the
  // addon replaced V8's handler for a while): list all existing code again.
  const bool rescan = info.Length() > 0 && info[0].ToBoolean().Value();
  CodeEventLog& log = CodeEventLog::For(v8::Isolate::GetCurrent());
  bool overflowed = false;
  std::vector<uint8_t> bytes = log.Take(&overflowed);
  if (overflowed || rescan) {
    // The events since the gap, then a fresh listing of all existing code
    // (which wins where they overlap, being newer).
    log.Rescan();
    std::vector<uint8_t> listing = log.Take();
    bytes.insert(bytes.end(), listing.begin(), listing.end());
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("codeEvents", CopyToArrayBuffer(env, bytes));
  result.Set("overflowed", Napi::Boolean::New(env, overflowed || rescan));
  return result;
}

// registerWorker(threadId): on a worker thread, lets the main thread's
// profiles sample this thread (native/workers.h) until it exits.
Napi::Value RegisterWorker(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonState& state = State(env);
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "registerWorker expects a threadId");
  if (state.worker_key != 0) return env.Undefined();
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) throw Napi::Error::New(env, "cannot get the event loop");
  const int32_t thread_id = info[0].As<Napi::Number>().Int32Value();
  state.worker_key = Workers::Register(v8::Isolate::GetCurrent(), loop, thread_id);
  // Runs on this thread when its environment goes (exit, terminate()),
  // before its isolate does.
  env.AddCleanupHook([key = state.worker_key]() { Workers::Unregister(key); });
  return env.Undefined();
}

// nameWorker(name): on a registered worker thread, what reports call it.
Napi::Value NameWorker(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonState& state = State(env);
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "nameWorker expects a string");
  if (state.worker_key != 0) Workers::SetName(state.worker_key, info[0].As<Napi::String>().Utf8Value());
  return env.Undefined();
}

// startWorkers(options): the main thread's profile samples every registered worker too.
Napi::Value StartWorkers(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SamplerOptions options = ParseSamplerOptions(env, info.Length() > 0 ? info[0] : env.Undefined());
  if (options.signal == 0) options.signal = DefaultSignal();
  Workers::StartAll(options);
  return env.Undefined();
}

Napi::Value StopWorkers(const Napi::CallbackInfo& info) {
  Workers::StopAll();
  return info.Env().Undefined();
}

// drainWorkers(): [{ key, threadId, exited, startTimeNs, startCpuTimeNs,
// cpuTimeNs, endTimeNs, samples, codeEvents, stats }], and errors: string[].
Napi::Value DrainWorkers(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<WorkerDrain> drains = Workers::DrainAll();
  Napi::Array list = Napi::Array::New(env, drains.size());
  for (size_t i = 0; i < drains.size(); ++i) {
    const WorkerDrain& drain = drains[i];
    Napi::Object item = Napi::Object::New(env);
    const auto set = [&](const char* key, double value) { item.Set(key, Napi::Number::New(env, value)); };
    set("key", drain.key);
    set("threadId", drain.thread_id);
    item.Set("name", Napi::String::New(env, drain.name));
    item.Set("exited", Napi::Boolean::New(env, drain.exited));
    set("startTimeNs", static_cast<double>(drain.start_ns));
    set("startCpuTimeNs", static_cast<double>(drain.start_cpu_ns));
    set("cpuTimeNs", static_cast<double>(drain.cpu_ns));
    set("endTimeNs", static_cast<double>(drain.end_ns));
    item.Set("samples", CopyToArrayBuffer(env, drain.samples));
    item.Set("codeEvents", CopyToArrayBuffer(env, drain.code_events));
    Napi::Object stats = Napi::Object::New(env);
    SetStats(stats, drain.stats);
    item.Set("stats", stats);
    list.Set(i, item);
  }
  const std::vector<std::string> errors = Workers::TakeErrors();
  Napi::Array error_list = Napi::Array::New(env, errors.size());
  for (size_t i = 0; i < errors.size(); ++i) error_list.Set(i, Napi::String::New(env, errors[i]));
  Napi::Object result = Napi::Object::New(env);
  result.Set("workers", list);
  result.Set("errors", error_list);
  return result;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new AddonState());
  exports.Set("start", Napi::Function::New(env, Start, "start"));
  exports.Set("stop", Napi::Function::New(env, Stop, "stop"));
  exports.Set("isRunning", Napi::Function::New(env, IsRunning, "isRunning"));
  exports.Set("drain", Napi::Function::New(env, Drain, "drain"));
  exports.Set("stats", Napi::Function::New(env, Stats, "stats"));
  exports.Set("monotonicNow", Napi::Function::New(env, MonotonicNow, "monotonicNow"));
  exports.Set("threadCpuTime", Napi::Function::New(env, ThreadCpuTime, "threadCpuTime"));
  exports.Set("resolveSymbol", Napi::Function::New(env, ResolveSymbol, "resolveSymbol"));
  exports.Set("demangle", Napi::Function::New(env, DemangleSymbol, "demangle"));
  exports.Set("functionTable", Napi::Function::New(env, FunctionTable, "functionTable"));
  exports.Set("prefetchFunctionTable", Napi::Function::New(env, PrefetchFunctionTable, "prefetchFunctionTable"));
  exports.Set("memoryStart", Napi::Function::New(env, MemoryStart, "memoryStart"));
  exports.Set("memorySample", Napi::Function::New(env, MemorySample, "memorySample"));
  exports.Set("memoryStop", Napi::Function::New(env, MemoryStop, "memoryStop"));
  exports.Set("memoryDrain", Napi::Function::New(env, MemoryDrain, "memoryDrain"));
  exports.Set("keepScripts", Napi::Function::New(env, KeepScripts, "keepScripts"));
  exports.Set("watchCode", Napi::Function::New(env, WatchCode, "watchCode"));
  exports.Set("takeCodeEvents", Napi::Function::New(env, TakeCodeEvents, "takeCodeEvents"));
  exports.Set("registerWorker", Napi::Function::New(env, RegisterWorker, "registerWorker"));
  exports.Set("nameWorker", Napi::Function::New(env, NameWorker, "nameWorker"));
  exports.Set("startWorkers", Napi::Function::New(env, StartWorkers, "startWorkers"));
  exports.Set("stopWorkers", Napi::Function::New(env, StopWorkers, "stopWorkers"));
  exports.Set("drainWorkers", Napi::Function::New(env, DrainWorkers, "drainWorkers"));
  exports.Set("watchTermination", Napi::Function::New(env, WatchTermination, "watchTermination"));
  exports.Set("unwatchTermination", Napi::Function::New(env, UnwatchTermination, "unwatchTermination"));
  exports.Set("noteNearHeapLimit", Napi::Function::New(env, NoteNearHeapLimit, "noteNearHeapLimit"));
  exports.Set("allowHeapHeadroom", Napi::Function::New(env, AllowHeapHeadroom, "allowHeapHeadroom"));
  exports.Set("heapHeadroomUsed", Napi::Function::New(env, HeapHeadroomUsed, "heapHeadroomUsed"));
  exports.Set("defaultSignal", Napi::Number::New(env, DefaultSignal()));
  // The real-time signals as this process's C library reports them (glibc
  // keeps the first few for itself and moves SIGRTMIN past them).
  exports.Set("signalMin", Napi::Number::New(env, SIGRTMIN));
  exports.Set("signalMax", Napi::Number::New(env, SIGRTMAX));
  exports.Set("haltForNativeStackFlag", Napi::Function::New(env, HaltForNativeStackFlag, "haltForNativeStackFlag"));
  // The ABI (process.versions.modules) this was compiled for. The module
  // registers through Node-API, so any Node loads it, but the sampler uses
  // V8's C++ API, which fits one ABI only: lib/native/addon.ts refuses a mismatch.
  exports.Set("moduleVersion", Napi::Number::New(env, NODE_MODULE_VERSION));
  return exports;
}

}  // namespace
}  // namespace nodeinstrument

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  return nodeinstrument::Init(env, exports);
}

NODE_API_MODULE(nodeinstrument, InitAddon)
