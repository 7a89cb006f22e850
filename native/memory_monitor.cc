#include "memory_monitor.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include <v8.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <exception>

namespace nodeinstrument {
namespace {

uint64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// Inside GC, on the JS thread: reading the heap's counters costs about a
// microsecond (docs/benchmarks.md), against the collection's own hundreds.
void OnGcEpilogue(v8::Isolate* isolate, v8::GCType type, v8::GCCallbackFlags flags, void* data) {
  static_cast<MemoryMonitor*>(data)->UpdateHeapUsed();
}

}  // namespace

std::string MemoryMonitor::Start(v8::Isolate* isolate, uint64_t interval_ns,
                                 std::unique_ptr<MemoryMonitor>* out) {
  std::unique_ptr<MemoryMonitor> monitor(new MemoryMonitor());
  monitor->isolate_ = isolate;
  monitor->interval_ns_ = interval_ns;
  monitor->statm_fd_ = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (monitor->statm_fd_ < 0) {
    return std::string("cannot read process memory from /proc/self/statm: ") + std::strerror(errno);
  }
  const long page = sysconf(_SC_PAGESIZE);
  if (page > 0) monitor->page_size_ = static_cast<uint64_t>(page);
  monitor->UpdateHeapUsed();
  monitor->Record(MonotonicNs());
  isolate->AddGCEpilogueCallback(&OnGcEpilogue, monitor.get());
  MemoryMonitor* raw = monitor.get();
  try {
    monitor->thread_ = std::thread([raw] { raw->Run(); });
  } catch (const std::exception& error) {
    return std::string("cannot start the memory monitor thread: ") + error.what();
  }
  *out = std::move(monitor);
  return "";
}

MemoryMonitor::~MemoryMonitor() {
  Stop();
  if (statm_fd_ >= 0) close(statm_fd_);
}

void MemoryMonitor::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  isolate_->RemoveGCEpilogueCallback(&OnGcEpilogue, this);
  UpdateHeapUsed();
  Record(MonotonicNs());
}

void MemoryMonitor::Sample() {
  UpdateHeapUsed();
  Record(MonotonicNs());
}

std::vector<double> MemoryMonitor::Drain() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<double> points;
  points.swap(points_);
  return points;
}

void MemoryMonitor::Run() {
  const auto interval = std::chrono::nanoseconds(interval_ns_);
  auto deadline = std::chrono::steady_clock::now() + interval;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (wake_.wait_until(lock, deadline, [this] { return stopping_; })) break;
    lock.unlock();
    Record(MonotonicNs());
    lock.lock();
    deadline += interval;
    // After a stall (a suspended process), start again from now rather than catch up.
    const auto now = std::chrono::steady_clock::now();
    if (deadline < now) deadline = now + interval;
  }
}

void MemoryMonitor::Record(uint64_t time_ns) {
  const uint64_t rss = ReadRss();
  const uint64_t heap = heap_used_.load(std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mutex_);
  points_.push_back(static_cast<double>(time_ns));
  points_.push_back(static_cast<double>(rss));
  points_.push_back(static_cast<double>(heap));
}

// statm's second field is the resident set in pages. One pread, no allocation.
uint64_t MemoryMonitor::ReadRss() const {
  char buffer[128];
  const ssize_t length = pread(statm_fd_, buffer, sizeof(buffer) - 1, 0);
  if (length <= 0) return 0;
  buffer[length] = '\0';
  char* end = nullptr;
  std::strtoull(buffer, &end, 10);
  if (end == buffer) return 0;
  const uint64_t pages = std::strtoull(end, nullptr, 10);
  return pages * page_size_;
}

void MemoryMonitor::UpdateHeapUsed() {
  v8::HeapStatistics stats;
  isolate_->GetHeapStatistics(&stats);
  heap_used_.store(stats.used_heap_size(), std::memory_order_relaxed);
}

}  // namespace nodeinstrument
