// Collects V8 JIT code events (code added, code moved) into a byte log that
// the drain hands to JavaScript. V8 calls the handler on the JS thread for
// added code and on GC threads for moves, one call at a time; the mutex only
// guards against the drain swapping the log out.
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

namespace v8 {
class Isolate;
}

namespace nodeinstrument {

class CodeEventLog {
 public:
  // Registers the JIT code event handler on the isolate and enumerates the
  // code that exists already. Runs on the JS thread.
  void Start(v8::Isolate* isolate);
  // Removes the handler. Runs on the JS thread.
  void Stop(v8::Isolate* isolate);
  // Moves the pending events out.
  std::vector<uint8_t> Take();
  uint64_t event_count() const;

  void Append(uint8_t kind, uint8_t code_type, uint64_t start, uint64_t size,
              uint64_t new_start, const char* name, uint32_t name_len);

 private:
  mutable std::mutex mutex_;
  std::vector<uint8_t> bytes_;
  uint64_t event_count_ = 0;
};

}  // namespace nodeinstrument
