// Keeps the scripts of running code alive during an allocation profile.
//
// V8's sampling heap profiler records a script id and offset per frame and
// looks the script up only when the profile is taken: a script whose
// functions have all been collected by then (a CLI script's main module, at
// exit) comes back with no file and no line. Holding a handle to each script
// that code is created for (V8's JIT code events, which name the script)
// keeps them resolvable. Only used in alloc mode; it listens to the handler
// the code event log installs (the isolate has one handler slot).
#pragma once

#include <v8.h>

#include <memory>
#include <unordered_map>

namespace nodeinstrument {

class ScriptKeeper {
 public:
  // Registers the handler (existing code enumerated too). JS thread.
  static std::unique_ptr<ScriptKeeper> Start(v8::Isolate* isolate);
  ~ScriptKeeper();
  // Removes the handler and releases the scripts. Idempotent. JS thread.
  void Stop();
  size_t size() const { return scripts_.size(); }

 private:
  static void OnJitCodeEvent(const v8::JitCodeEvent* event);
  v8::Isolate* isolate_ = nullptr;
  bool running_ = false;
  std::unordered_map<int, v8::Global<v8::UnboundScript>> scripts_;
};

}  // namespace nodeinstrument
