// Process memory over time, at a coarse rate, off the JS thread.
//
//   monitor thread (every interval): RSS from /proc/self/statm + the last
//     known V8 heap size -> points (under a mutex; no signal handler here)
//   V8 GC epilogue (JS thread, inside GC): heap used after the collection
//   JS thread (drain timer, start, stop): heap used now
//
// V8's heap statistics may only be read on the isolate's own thread, so the
// monitor thread publishes the latest value the JS thread left in an atomic:
// a point taken during a long synchronous stretch carries the heap size of
// the last garbage collection, which allocating code triggers often.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace v8 {
class Isolate;
}

namespace nodeinstrument {

class MemoryMonitor {
 public:
  // Starts the thread and the GC callback. Runs on the JS thread.
  static std::string Start(v8::Isolate* isolate, uint64_t interval_ns,
                           std::unique_ptr<MemoryMonitor>* out);
  ~MemoryMonitor();

  // Records a last point, joins the thread, removes the GC callback. Idempotent. JS thread.
  void Stop();
  // Reads V8's heap used now and records a point with it. JS thread.
  void Sample();
  // Points since the last drain: (monotonic ns, rss bytes, heap used bytes) triples.
  std::vector<double> Drain();
  // Reads V8's heap used into the value the monitor thread publishes. JS thread only.
  void UpdateHeapUsed();

 private:
  MemoryMonitor() = default;
  void Run();
  void Record(uint64_t time_ns);
  uint64_t ReadRss() const;

  v8::Isolate* isolate_ = nullptr;
  uint64_t interval_ns_ = 0;
  int statm_fd_ = -1;
  uint64_t page_size_ = 4096;
  std::atomic<uint64_t> heap_used_{0};
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool stopped_ = false;
  std::vector<double> points_;
};

}  // namespace nodeinstrument
