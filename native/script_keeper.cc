#include "script_keeper.h"

#include <atomic>

#include "code_event_log.h"

namespace nodeinstrument {
namespace {

std::atomic<ScriptKeeper*> g_keeper{nullptr};

}  // namespace

std::unique_ptr<ScriptKeeper> ScriptKeeper::Start(v8::Isolate* isolate) {
  std::unique_ptr<ScriptKeeper> keeper(new ScriptKeeper());
  keeper->isolate_ = isolate;
  keeper->running_ = true;
  g_keeper.store(keeper.get(), std::memory_order_release);
  // Existing code is reported to the listener as the handler is (re)set.
  CodeEventLog::For(isolate).SetListener(&ScriptKeeper::OnJitCodeEvent);
  return keeper;
}

ScriptKeeper::~ScriptKeeper() { Stop(); }

void ScriptKeeper::Stop() {
  if (!running_) return;
  running_ = false;
  CodeEventLog::For(isolate_).SetListener(nullptr);
  g_keeper.store(nullptr, std::memory_order_release);
  scripts_.clear();
}

// CODE_ADDED arrives on the JS thread (code moves, from GC threads, are
// ignored). A global handle lives outside the JS heap: making one allocates
// no JS object and cannot start a GC.
void ScriptKeeper::OnJitCodeEvent(const v8::JitCodeEvent* event) {
  if (event->type != v8::JitCodeEvent::CODE_ADDED || event->script.IsEmpty()) return;
  ScriptKeeper* keeper = g_keeper.load(std::memory_order_acquire);
  if (keeper == nullptr) return;
  const int id = event->script->GetId();
  auto found = keeper->scripts_.find(id);
  if (found != keeper->scripts_.end()) return;
  keeper->scripts_[id].Reset(keeper->isolate_, event->script);
}

}  // namespace nodeinstrument
