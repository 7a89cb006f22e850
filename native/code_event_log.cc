#include "code_event_log.h"

#include <v8.h>

#include <cstring>

#include "sample_record.h"
#include "sequence.h"

namespace nodeinstrument {
namespace {

// V8's handler callback carries no user data; at most one log is active.
std::atomic<CodeEventLog*> g_active_log{nullptr};

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

void OnJitCodeEvent(const v8::JitCodeEvent* event) {
  CodeEventLog* log = g_active_log.load(std::memory_order_acquire);
  if (log == nullptr) {
    // Stopped between the start and the end of a line table: free it.
    if (event->type == v8::JitCodeEvent::CODE_END_LINE_INFO_RECORDING) {
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
                  reinterpret_cast<uint64_t>(event->new_code_start), nullptr,
                  0);
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

}  // namespace

void CodeEventLog::Start(v8::Isolate* isolate) {
  g_active_log.store(this, std::memory_order_release);
  isolate->SetJitCodeEventHandler(v8::kJitCodeEventEnumExisting,
                                  &OnJitCodeEvent);
}

void CodeEventLog::Stop(v8::Isolate* isolate) {
  isolate->SetJitCodeEventHandler(v8::kJitCodeEventDefault, nullptr);
  g_active_log.store(nullptr, std::memory_order_release);
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
  // Numbered under the lock so that the log's order is the sequence's order.
  header.seq = g_sequence.fetch_add(1, std::memory_order_acq_rel);
  const size_t offset = bytes_.size();
  bytes_.resize(offset + sizeof(header) + AlignUp8(name_len));
  std::memcpy(bytes_.data() + offset, &header, sizeof(header));
  if (name_len > 0) {
    std::memcpy(bytes_.data() + offset + sizeof(header), name, name_len);
  }
  ++event_count_;
}

std::vector<uint8_t> CodeEventLog::Take() {
  std::vector<uint8_t> taken;
  std::lock_guard<std::mutex> lock(mutex_);
  taken.swap(bytes_);
  return taken;
}

uint64_t CodeEventLog::event_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return event_count_;
}

}  // namespace nodeinstrument
