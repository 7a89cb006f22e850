#include "code_event_log.h"

#include <v8.h>

#include <atomic>
#include <cstring>
#include <memory>

#include "sample_record.h"
#include "sampler.h"
#include "sequence.h"

namespace nodeinstrument {
namespace {

// Events kept for a holder that does not take them (a watcher between
// recordings) before they are dropped; the next recording then asks V8 for
// all existing code again, as if nothing had been watched.
constexpr size_t kMaxPendingBytes = size_t{8} << 20;

// Every isolate's log, found by the handler from the event's isolate.
std::mutex g_logs_mutex;
std::vector<std::unique_ptr<CodeEventLog>>* g_logs = nullptr;  // under g_logs_mutex

CodeEventLog* FindLog(v8::Isolate* isolate) {
  std::lock_guard<std::mutex> lock(g_logs_mutex);
  if (g_logs == nullptr) return nullptr;
  for (const auto& log : *g_logs) {
    if (log->isolate() == isolate) return log.get();
  }
  return nullptr;
}

// One code object's line position table while V8 reports it, entry by entry
// (CODE_START_LINE_INFO_RECORDING .. CODE_END_LINE_INFO_RECORDING, before
// the CODE_ADDED of that code). Pairs of (code offset, script offset).
struct PendingLineTable {
  std::vector<uint32_t> pairs;
};

constexpr uint32_t kNoScriptOffset = 0xffffffffu;

void OnLineInfoEvent(CodeEventLog* log, const v8::JitCodeEvent* event) {
  switch (event->type) {
    case v8::JitCodeEvent::CODE_START_LINE_INFO_RECORDING:
      // V8 hands user_data back with each entry and at the end: the handler
      // is meant to set it here, through the otherwise const event.
      const_cast<v8::JitCodeEvent*>(event)->user_data = new PendingLineTable();
      break;
    case v8::JitCodeEvent::CODE_ADD_LINE_POS_INFO: {
      auto* table = static_cast<PendingLineTable*>(event->user_data);
      // A statement position comes twice (STATEMENT_POSITION, then POSITION).
      if (table == nullptr || event->line_info.position_type != v8::JitCodeEvent::POSITION) break;
      const size_t pos = event->line_info.pos;
      table->pairs.push_back(static_cast<uint32_t>(event->line_info.offset));
      table->pairs.push_back(pos >= kNoScriptOffset ? kNoScriptOffset : static_cast<uint32_t>(pos));
      break;
    }
    case v8::JitCodeEvent::CODE_END_LINE_INFO_RECORDING: {
      auto* table = static_cast<PendingLineTable*>(event->user_data);
      if (table == nullptr) break;
      if (!table->pairs.empty()) {
        log->Append(kCodeEventLines, static_cast<uint8_t>(event->code_type),
                    reinterpret_cast<uint64_t>(event->code_start), 0, 0,
                    reinterpret_cast<const char*>(table->pairs.data()),
                    static_cast<uint32_t>(table->pairs.size() * sizeof(uint32_t)));
      }
      delete table;
      break;
    }
    default:
      break;
  }
}

}  // namespace

// V8 calls this for every isolate that has it set, one event at a time per
// isolate but possibly concurrently for two isolates (two threads).
void OnJitCodeEvent(const v8::JitCodeEvent* event) {
  if (event->type == v8::JitCodeEvent::CODE_ADDED &&
      IsInterpreterTrampolineCopy(event->code_type == v8::JitCodeEvent::JIT_CODE, event->name.str, event->name.len)) {
    // --interpreted-frames-native-stack is on (it was set at run time, past
    // the checks of lib/): no stack walk may run from here on.
    HaltSamplingForNativeStackFlag();
  }
  // Code moves come from GC threads: the event names its isolate. Line
  // position events come on the isolate's own thread.
  v8::Isolate* isolate = event->isolate != nullptr ? event->isolate : v8::Isolate::TryGetCurrent();
  CodeEventLog* log = FindLog(isolate);
  if (log != nullptr) {
    if (CodeEventLog::Listener listener = log->listener_.load(std::memory_order_acquire)) listener(event);
    if (!log->recording_.load(std::memory_order_acquire)) log = nullptr;
  }
  if (log == nullptr) {
    if (event->type == v8::JitCodeEvent::CODE_START_LINE_INFO_RECORDING) {
      // V8 hands back whatever the handler leaves in user_data, which it
      // does not always clear (V8 11): say "no table" explicitly.
      const_cast<v8::JitCodeEvent*>(event)->user_data = nullptr;
    } else if (event->type == v8::JitCodeEvent::CODE_END_LINE_INFO_RECORDING) {
      // Released between the start and the end of a line table: free it.
      delete static_cast<PendingLineTable*>(event->user_data);
    }
    return;
  }
  const auto start = reinterpret_cast<uint64_t>(event->code_start);
  switch (event->type) {
    case v8::JitCodeEvent::CODE_ADDED:
      log->Append(kCodeEventAdded, static_cast<uint8_t>(event->code_type),
                 start, event->code_len, 0, event->name.str,
                 static_cast<uint32_t>(event->name.len));
      break;
    case v8::JitCodeEvent::CODE_MOVED:
      log->Append(kCodeEventMoved, static_cast<uint8_t>(event->code_type),
                 start, event->code_len,
                 reinterpret_cast<uint64_t>(event->new_code_start), nullptr, 0);
      break;
    case v8::JitCodeEvent::CODE_START_LINE_INFO_RECORDING:
    case v8::JitCodeEvent::CODE_ADD_LINE_POS_INFO:
    case v8::JitCodeEvent::CODE_END_LINE_INFO_RECORDING:
      OnLineInfoEvent(log, event);
      break;
    default:
      // CODE_REMOVED is never sent.
      break;
  }
}

CodeEventLog& CodeEventLog::For(v8::Isolate* isolate) {
  std::lock_guard<std::mutex> lock(g_logs_mutex);
  if (g_logs == nullptr) g_logs = new std::vector<std::unique_ptr<CodeEventLog>>();
  for (const auto& log : *g_logs) {
    if (log->isolate_ == isolate) return *log;
  }
  g_logs->emplace_back(new CodeEventLog(isolate));
  return *g_logs->back();
}

void CodeEventLog::Install(bool enumerate_existing) {
  v8::Isolate* isolate = isolate_;
  if (enumerate_existing && installed_) {
    // V8 enumerates only when a handler is set: set it afresh.
    isolate->SetJitCodeEventHandler(v8::kJitCodeEventDefault, nullptr);
  }
  // The listing of existing code arrives inside this call. It is collected
  // apart and logged as one event at its end, whole however large: the cap
  // is for events nobody takes, not for the listing. Code moved meanwhile (a
  // GC while V8 lists) is logged as it comes, before the listing.
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (enumerate_existing) listing_.reset(new CodeListingBuilder());
  }
  isolate->SetJitCodeEventHandler(
      enumerate_existing ? v8::kJitCodeEventEnumExisting : v8::kJitCodeEventDefault,
      &OnJitCodeEvent);
  installed_ = true;
  std::lock_guard<std::mutex> lock(mutex_);
  if (listing_ && listing_->size() > 0) {
    const std::vector<uint8_t> listing = listing_->Finish();
    AppendLocked(kCodeEventListing, 0, 0, 0, 0, listing.data(), static_cast<uint32_t>(listing.size()));
  }
  listing_.reset();
}

bool CodeEventLog::Acquire(bool keep_all) {
  if (keep_all && keep_all_holders_++ == 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    bounded_ = false;
  }
  if (holders_++ > 0) return false;
  recording_.store(true, std::memory_order_release);
  Install(true);
  return true;
}

void CodeEventLog::Release(bool keep_all) {
  if (holders_ == 0) return;
  if (keep_all && keep_all_holders_ > 0 && --keep_all_holders_ == 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    bounded_ = true;
  }
  if (--holders_ > 0) return;
  recording_.store(false, std::memory_order_release);
  if (listener_.load(std::memory_order_acquire) == nullptr) {
    isolate_->SetJitCodeEventHandler(v8::kJitCodeEventDefault, nullptr);
    installed_ = false;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<uint8_t>().swap(bytes_);
  overflowed_ = false;
}

void CodeEventLog::SetListener(Listener listener) {
  listener_.store(listener, std::memory_order_release);
  if (listener != nullptr) {
    Install(true);
  } else if (holders_ == 0 && installed_) {
    isolate_->SetJitCodeEventHandler(v8::kJitCodeEventDefault, nullptr);
    installed_ = false;
  }
}

void CodeEventLog::Rescan() {
  if (holders_ > 0) Install(true);
}

void CodeEventLog::Append(uint8_t kind, uint8_t code_type, uint64_t start,
                          uint64_t size, uint64_t new_start, const char* name,
                          uint32_t name_len) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++event_count_;
  if (listing_ && kind == kCodeEventLines) {
    listing_->AddLines(start, name, name_len);
    return;
  }
  if (listing_ && kind == kCodeEventAdded) {
    listing_->AddCode(start, size, code_type, name, name_len);
    return;
  }
  AppendLocked(kind, code_type, start, size, new_start, name, name_len);
}

void CodeEventLog::AppendLocked(uint8_t kind, uint8_t code_type, uint64_t start,
                                uint64_t size, uint64_t new_start, const void* payload,
                                uint32_t payload_len) {
  CodeEventHeader header{};
  header.kind = kind;
  header.code_type = code_type;
  header.name_len = payload_len;
  header.start = start;
  header.size = size;
  header.new_start = new_start;
  if (bounded_ && kind != kCodeEventListing && bytes_.size() > kMaxPendingBytes) {
    // Older events go; newer ones are kept: the code V8 does not list again
    // (OSR code) may be among them. Take() reports the gap, and the taker
    // asks for a fresh listing of the rest.
    std::vector<uint8_t>().swap(bytes_);
    overflowed_ = true;
  }
  // Numbered under the lock so that the log's order is the sequence's order.
  header.seq = g_sequence.fetch_add(1, std::memory_order_acq_rel);
  const size_t offset = bytes_.size();
  bytes_.resize(offset + sizeof(header) + AlignUp8(payload_len));
  std::memcpy(bytes_.data() + offset, &header, sizeof(header));
  if (payload_len > 0) {
    std::memcpy(bytes_.data() + offset + sizeof(header), payload, payload_len);
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
