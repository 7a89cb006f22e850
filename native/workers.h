// Worker threads that loaded the addon, so that a profile the main thread
// runs samples them too.
//
// A worker registers on its own thread when the package loads there
// (lib/workers.ts) and unregisters in its environment's cleanup, on exit or
// terminate(). Each sampled worker gets its own Sampler, created and
// destroyed on the worker's thread, because V8's code event handler and
// libuv's handles belong to that thread. The main thread asks for it with
// Isolate::RequestInterrupt, which runs at the worker's next JS stack check
// (a busy loop included); an idle worker starts when it next runs JS, with
// nothing to sample before. The main thread stops the sampling threads,
// drains samples and code events under the registry's mutex, and asks each
// worker to tear its sampler down. Whatever a sampler still holds when its
// worker tears it down or exits is kept for the main thread's next drain.
#pragma once

#include <uv.h>

#include <cstdint>
#include <string>
#include <vector>

#include "sampler.h"

namespace v8 {
class Isolate;
}

namespace nodeinstrument {

// One worker's share of a drain.
struct WorkerDrain {
  uint32_t key = 0;        // registration number, unique in the process
  int32_t thread_id = 0;   // worker_threads' threadId
  std::string name;        // the worker's script, when it said (SetName)
  bool exited = false;     // the worker is gone: nothing more will come
  uint64_t start_ns = 0;   // when its sampler started (CLOCK_MONOTONIC)
  uint64_t start_cpu_ns = 0;
  uint64_t cpu_ns = 0;     // the thread's CPU time now, or when it stopped being sampled
  uint64_t end_ns = 0;     // when it stopped being sampled; 0 while it is
  SamplerStats stats;
  std::vector<uint8_t> samples;
  std::vector<uint8_t> code_events;
};

class Workers {
 public:
  // On the worker's thread. Returns the registration key (for Unregister).
  static uint32_t Register(v8::Isolate* isolate, uv_loop_t* loop, int32_t thread_id);
  // On the worker's thread, in its environment's cleanup.
  static void Unregister(uint32_t key);
  // On the worker's thread: what to call it in reports (its script).
  static void SetName(uint32_t key, const std::string& name);
  // Whether the main thread's profile samples the thread of `isolate`.
  static bool IsSampled(v8::Isolate* isolate);

  // Main thread. Samples every registered worker, and those that register
  // until StopAll, with these options (the label slot is not used).
  static void StartAll(const SamplerOptions& options);
  // Main thread. Stops the workers' sampling threads (joined on return) and
  // asks the workers to tear their samplers down.
  static void StopAll();
  // Main thread. What every worker sampled since the last drain; workers
  // that exited come once more with `exited` set, then never again.
  static std::vector<WorkerDrain> DrainAll();
  // Why workers could not be sampled since StartAll (one line each).
  static std::vector<std::string> TakeErrors();
};

}  // namespace nodeinstrument
