#include "code_event_log.h"

#include <v8.h>

#include <atomic>
#include <cstring>

#include "sample_record.h"
#include "sequence.h"

namespace nodeinstrument {
namespace {

// Events kept for a holder that does not take them (a watcher between
// recordings) before they are dropped; the next recording then asks V8 for
// all existing code again, as if nothing had been watched.
constexpr size_t kMaxPendingBytes = size_t{8} << 20;

// Set while somebody holds the log; read by the handler on any thread.
std::atomic<bool> g_recording{false};
std::atomic<CodeEventLog::Listener> g_listener{nullptr};

void OnJitCodeEvent(const v8::JitCodeEvent* event) {
  if (CodeEventLog::Listener listener = g_listener.load(std::memory_order_acquire)) listener(event);
  if (!g_recording.load(std::memory_order_acquire)) return;
  CodeEventLog& log = CodeEventLog::Instance();
  const auto start = reinterpret_cast<uint64_t>(event->code_start);
  switch (event->type) {
    case v8::JitCodeEvent::CODE_ADDED:
      log.Append(kCodeEventAdded, static_cast<uint8_t>(event->code_type),
                 start, event->code_len, 0, event->name.str,
                 static_cast<uint32_t>(event->name.len));
      break;
    case v8::JitCodeEvent::CODE_MOVED:
      log.Append(kCodeEventMoved, static_cast<uint8_t>(event->code_type),
                 start, event->code_len,
                 reinterpret_cast<uint64_t>(event->new_code_start), nullptr, 0);
      break;
    default:
      // Line position events are not used yet; CODE_REMOVED is never sent.
      break;
  }
}

}  // namespace

CodeEventLog& CodeEventLog::Instance() {
  static CodeEventLog log;
  return log;
}

void CodeEventLog::Install(v8::Isolate* isolate, bool enumerate_existing) {
  if (enumerate_existing && installed_) {
    // V8 enumerates only when a handler is set: set it afresh.
    isolate->SetJitCodeEventHandler(v8::kJitCodeEventDefault, nullptr);
  }
  // The listing of existing code arrives inside this call and is kept whole,
  // however large: the cap is for events nobody takes, not for the listing.
  {
    std::lock_guard<std::mutex> lock(mutex_);
    bounded_ = false;
  }
  isolate->SetJitCodeEventHandler(
      enumerate_existing ? v8::kJitCodeEventEnumExisting : v8::kJitCodeEventDefault,
      &OnJitCodeEvent);
  installed_ = true;
  isolate_ = isolate;
  std::lock_guard<std::mutex> lock(mutex_);
  bounded_ = keep_all_holders_ == 0;
}

bool CodeEventLog::Acquire(v8::Isolate* isolate, bool keep_all) {
  if (keep_all && keep_all_holders_++ == 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    bounded_ = false;
  }
  if (holders_++ > 0) return false;
  g_recording.store(true, std::memory_order_release);
  Install(isolate, true);
  return true;
}

void CodeEventLog::Release(v8::Isolate* isolate, bool keep_all) {
  if (holders_ == 0) return;
  if (keep_all && keep_all_holders_ > 0 && --keep_all_holders_ == 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    bounded_ = true;
  }
  if (--holders_ > 0) return;
  g_recording.store(false, std::memory_order_release);
  if (g_listener.load(std::memory_order_acquire) == nullptr) {
    isolate->SetJitCodeEventHandler(v8::kJitCodeEventDefault, nullptr);
    installed_ = false;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<uint8_t>().swap(bytes_);
  overflowed_ = false;
}

void CodeEventLog::SetListener(v8::Isolate* isolate, Listener listener) {
  g_listener.store(listener, std::memory_order_release);
  if (listener != nullptr) {
    Install(isolate, true);
  } else if (holders_ == 0 && installed_) {
    isolate->SetJitCodeEventHandler(v8::kJitCodeEventDefault, nullptr);
    installed_ = false;
  }
}

void CodeEventLog::Rescan(v8::Isolate* isolate) {
  if (holders_ > 0) Install(isolate, true);
}

void CodeEventLog::Append(uint8_t kind, uint8_t code_type, uint64_t start,
                          uint64_t size, uint64_t new_start, const char* name,
                          uint32_t name_len) {
  CodeEventHeader header{};
  header.kind = kind;
  header.code_type = code_type;
  header.name_len = name_len;
  header.start = start;
  header.size = size;
  header.new_start = new_start;
  std::lock_guard<std::mutex> lock(mutex_);
  ++event_count_;
  if (bounded_ && bytes_.size() > kMaxPendingBytes) {
    std::vector<uint8_t>().swap(bytes_);
    overflowed_ = true;
  }
  if (overflowed_) return;  // nothing after a gap is of use until a rescan
  // Numbered under the lock so that the log's order is the sequence's order.
  header.seq = g_sequence.fetch_add(1, std::memory_order_acq_rel);
  const size_t offset = bytes_.size();
  bytes_.resize(offset + sizeof(header) + AlignUp8(name_len));
  std::memcpy(bytes_.data() + offset, &header, sizeof(header));
  if (name_len > 0) {
    std::memcpy(bytes_.data() + offset + sizeof(header), name, name_len);
  }
}

std::vector<uint8_t> CodeEventLog::Take(bool* overflowed) {
  std::vector<uint8_t> taken;
  std::lock_guard<std::mutex> lock(mutex_);
  taken.swap(bytes_);
  if (overflowed != nullptr) *overflowed = overflowed_;
  overflowed_ = false;
  return taken;
}

uint64_t CodeEventLog::event_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return event_count_;
}

}  // namespace nodeinstrument
