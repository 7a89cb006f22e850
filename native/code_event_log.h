// Collects V8 JIT code events (code added, code moved) into a byte log that
// the drain hands to JavaScript. V8 calls the handler on the JS thread for
// added code and on GC threads for moves, one call at a time; the mutex only
// guards against the drain swapping the log out.
//
// There is one log per process: V8's handler takes no user data and the
// isolate has one handler slot. It is held by the sampler while it runs and
// by the code watcher (watchCode) while armed. The first holder installs the
// handler, and V8 then reports all existing code by walking the heap (the
// cost of starting a profile grows with the heap); while a watcher holds it,
// a new recording starts without that walk. Alloc mode's script keeper
// listens to the same handler.
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

namespace v8 {
class Isolate;
struct JitCodeEvent;
}

namespace nodeinstrument {

class CodeEventLog {
 public:
  using Listener = void (*)(const v8::JitCodeEvent* event);

  static CodeEventLog& Instance();

  // Adds a holder; the first installs the handler and enumerates existing
  // code. Returns true if existing code was enumerated. A holder that takes
  // the events regularly (the sampler, whose drain may be late while the JS
  // thread is busy) keeps every event; while only watchers hold the log,
  // events beyond a cap are dropped and Take reports the overflow. JS thread.
  bool Acquire(v8::Isolate* isolate, bool keep_all);
  // Removes a holder (with the same keep_all); the last removes the handler
  // (unless a listener still needs it) and drops pending events. JS thread.
  void Release(v8::Isolate* isolate, bool keep_all);
  int holders() const { return holders_; }
  // The isolate whose code is logged while anyone holds the log or listens.
  v8::Isolate* isolate() const { return installed_ ? isolate_ : nullptr; }

  // Sets or clears (nullptr) the listener. Setting it enumerates existing
  // code again, so the listener sees it too. JS thread.
  void SetListener(v8::Isolate* isolate, Listener listener);

  // Reports all existing code again (after the log overflowed). JS thread.
  void Rescan(v8::Isolate* isolate);

  // Moves the pending events out. `overflowed` tells whether events were
  // dropped since the last Take because nobody took them for too long.
  std::vector<uint8_t> Take(bool* overflowed = nullptr);
  uint64_t event_count() const;

  void Append(uint8_t kind, uint8_t code_type, uint64_t start, uint64_t size,
              uint64_t new_start, const char* name, uint32_t name_len);

 private:
  void Install(v8::Isolate* isolate, bool enumerate_existing);

  mutable std::mutex mutex_;
  std::vector<uint8_t> bytes_;
  uint64_t event_count_ = 0;
  bool overflowed_ = false;
  bool bounded_ = true;     // under the mutex: no keep_all holder
  int holders_ = 0;         // JS thread only
  int keep_all_holders_ = 0;  // JS thread only
  bool installed_ = false;  // JS thread only
  v8::Isolate* isolate_ = nullptr;
};

}  // namespace nodeinstrument
