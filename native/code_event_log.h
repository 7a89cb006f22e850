// Collects V8 JIT code events (code added, code moved) into a byte log that
// the drain hands to JavaScript. V8 calls the handler on the JS thread for
// added code and on GC threads for moves, one call at a time; the mutex only
// guards against the drain swapping the log out.
//
// There is one log per isolate (the main thread's and each sampled worker's):
// V8's handler takes no user data, so the handler finds the log by the
// event's isolate. A log is held by the sampler of its isolate while it runs
// and by the code watcher (watchCode) while armed. The first holder installs the
// handler, and V8 then reports all existing code by walking the heap (the
// cost of starting a profile grows with the heap); while a watcher holds it,
// a new recording starts without that walk. Alloc mode's script keeper
// listens to the same handler.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "code_listing.h"

namespace v8 {
class Isolate;
struct JitCodeEvent;
}

namespace nodeinstrument {

class CodeEventLog {
 public:
  using Listener = void (*)(const v8::JitCodeEvent* event);

  // The log of `isolate`, created at first use. Logs are never freed: a
  // worker's isolate that is gone leaves a released, empty log, which the
  // next isolate at the same address reuses.
  static CodeEventLog& For(v8::Isolate* isolate);

  // Adds a holder; the first installs the handler and enumerates existing
  // code. Returns true if existing code was enumerated. A holder that takes
  // the events regularly (the sampler, whose drain may be late while the JS
  // thread is busy) keeps every event; while only watchers hold the log,
  // events beyond a cap are dropped and Take reports the overflow. On the
  // isolate's thread, as are Release, SetListener and Rescan.
  bool Acquire(bool keep_all);
  // Removes a holder (with the same keep_all); the last removes the handler
  // (unless a listener still needs it) and drops pending events.
  void Release(bool keep_all);
  int holders() const { return holders_; }
  v8::Isolate* isolate() const { return isolate_; }

  // Sets or clears (nullptr) the listener. Setting it enumerates existing
  // code again, so the listener sees it too.
  void SetListener(Listener listener);

  // Reports all existing code again (after the log overflowed).
  void Rescan();

  // Moves the pending events out. `overflowed` tells whether events were
  // dropped since the last Take because nobody took them for too long.
  std::vector<uint8_t> Take(bool* overflowed = nullptr);
  uint64_t event_count() const;

  void Append(uint8_t kind, uint8_t code_type, uint64_t start, uint64_t size,
              uint64_t new_start, const char* name, uint32_t name_len);

 private:
  explicit CodeEventLog(v8::Isolate* isolate) : isolate_(isolate) {}
  void Install(bool enumerate_existing);
  // Appends one event to bytes_ (under the mutex; the listing is never cut by the cap).
  void AppendLocked(uint8_t kind, uint8_t code_type, uint64_t start, uint64_t size,
                    uint64_t new_start, const void* payload, uint32_t payload_len);
  friend void OnJitCodeEvent(const v8::JitCodeEvent* event);

  v8::Isolate* const isolate_;
  // Set while somebody holds the log; read by the handler on any thread.
  std::atomic<bool> recording_{false};
  std::atomic<Listener> listener_{nullptr};
  mutable std::mutex mutex_;
  std::vector<uint8_t> bytes_;
  uint64_t event_count_ = 0;
  bool overflowed_ = false;
  bool bounded_ = true;     // under the mutex: no keep_all holder
  // Under the mutex: V8 is listing existing code (Install), collected here.
  std::unique_ptr<CodeListingBuilder> listing_;
  int holders_ = 0;         // JS thread only
  int keep_all_holders_ = 0;  // JS thread only
  bool installed_ = false;  // JS thread only
};

}  // namespace nodeinstrument
