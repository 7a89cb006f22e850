// The JavaScript surface of the native sampler (see lib/native.ts for the
// types). Everything here runs on the JS thread.
#include <napi.h>
#include <node_version.h>
#include <v8.h>

#include <atomic>
#include <cstring>
#include <ctime>
#include <memory>

#include "memory_monitor.h"
#include "native_symbols.h"
#include "script_keeper.h"
#include "sampler.h"

namespace nodeinstrument {
namespace {

struct AddonState {
  std::unique_ptr<Sampler> sampler;
  bool watching_code = false;  // holds the code event log (watchCode)
  std::unique_ptr<MemoryMonitor> memory;
  std::unique_ptr<ScriptKeeper> scripts;
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

// The code event log belongs to one isolate: the first thread that uses it.
void CheckCodeEventLogIsolate(Napi::Env env) {
  v8::Isolate* owner = CodeEventLog::Instance().isolate();
  if (owner != nullptr && owner != v8::Isolate::GetCurrent()) {
    throw Napi::Error::New(env, "nodeinstrument is already profiling (or watching the code of) another thread of this process");
  }
}

Napi::Value Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonState& state = State(env);
  if (state.sampler && state.sampler->running()) return Napi::Boolean::New(env, false);
  SamplerOptions options;
  if (info.Length() > 0 && info[0].IsObject()) {
    const Napi::Object object = info[0].As<Napi::Object>();
    options.interval_ns = OptionalUint(object, "intervalNs", options.interval_ns);
    options.max_frames = static_cast<uint32_t>(OptionalUint(object, "maxFrames", options.max_frames));
    options.signal = static_cast<int>(OptionalUint(object, "signal", 0));
    options.max_pending_bytes = OptionalUint(object, "maxPendingBytes", options.max_pending_bytes);
    // labelSlot: an ArrayBuffer whose first 4 bytes hold the label-set id JS
    // sets (lib/labels-state.ts). Its memory never moves; the caller keeps
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
  }
  if (options.interval_ns < 10000) {
    throw Napi::RangeError::New(env, "interval must be at least 10 microseconds");
  }
  if (options.max_frames < 2 || options.max_frames > 4096) {
    throw Napi::RangeError::New(env, "maxFrames must be between 2 and 4096");
  }
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    throw Napi::Error::New(env, "cannot get the event loop");
  }
  // Drop the previous session's buffers before taking new ones.
  state.sampler.reset();
  CheckCodeEventLogIsolate(env);
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
  set("enumeratedExistingCode", state.sampler->enumerated_existing_code() ? 1 : 0);
  return result;
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
    CheckCodeEventLogIsolate(env);
    CodeEventLog::Instance().Acquire(v8::Isolate::GetCurrent(), /*keep_all=*/false);
    state.watching_code = true;
  } else if (!on && was) {
    CodeEventLog::Instance().Release(v8::Isolate::GetCurrent(), /*keep_all=*/false);
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
  CodeEventLog& log = CodeEventLog::Instance();
  bool overflowed = false;
  std::vector<uint8_t> bytes = log.Take(&overflowed);
  if (overflowed || rescan) {
    // The events since the gap, then a fresh listing of all existing code
    // (which wins where they overlap, being newer).
    log.Rescan(v8::Isolate::GetCurrent());
    std::vector<uint8_t> listing = log.Take();
    bytes.insert(bytes.end(), listing.begin(), listing.end());
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("codeEvents", CopyToArrayBuffer(env, bytes));
  result.Set("overflowed", Napi::Boolean::New(env, overflowed || rescan));
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
  exports.Set("memoryStart", Napi::Function::New(env, MemoryStart, "memoryStart"));
  exports.Set("memorySample", Napi::Function::New(env, MemorySample, "memorySample"));
  exports.Set("memoryStop", Napi::Function::New(env, MemoryStop, "memoryStop"));
  exports.Set("memoryDrain", Napi::Function::New(env, MemoryDrain, "memoryDrain"));
  exports.Set("keepScripts", Napi::Function::New(env, KeepScripts, "keepScripts"));
  exports.Set("watchCode", Napi::Function::New(env, WatchCode, "watchCode"));
  exports.Set("takeCodeEvents", Napi::Function::New(env, TakeCodeEvents, "takeCodeEvents"));
  exports.Set("defaultSignal", Napi::Number::New(env, DefaultSignal()));
  // The ABI (process.versions.modules) this was compiled for. The module
  // registers through Node-API, so any Node loads it, but the sampler uses
  // V8's C++ API, which fits one ABI only: lib/native.ts refuses a mismatch.
  exports.Set("moduleVersion", Napi::Number::New(env, NODE_MODULE_VERSION));
  return exports;
}

}  // namespace
}  // namespace nodeinstrument

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  return nodeinstrument::Init(env, exports);
}

NODE_API_MODULE(nodeinstrument, InitAddon)
