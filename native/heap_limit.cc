#include "heap_limit.h"

#include <unistd.h>
#include <v8.h>

#include <cstdio>

namespace nodeinstrument {
namespace {

int g_fd = -1;
bool g_registered = false;

size_t OnNearHeapLimit(void*, size_t current_heap_limit, size_t) {
  if (g_fd >= 0) {
    char line[64];
    const int length = snprintf(line, sizeof line, "{\"nearHeapLimit\":%zu}\n", current_heap_limit);
    if (length > 0 && write(g_fd, line, static_cast<size_t>(length)) < 0) {
      // Nothing to do: the journal is a safety net.
    }
  }
  return current_heap_limit;  // unchanged: V8 goes on as it would have
}

}  // namespace

Napi::Value NoteNearHeapLimit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "noteNearHeapLimit(fd)");
  g_fd = info[0].As<Napi::Number>().Int32Value();
  if (!g_registered) {
    v8::Isolate::GetCurrent()->AddNearHeapLimitCallback(OnNearHeapLimit, nullptr);
    g_registered = true;
  }
  return env.Undefined();
}

}  // namespace nodeinstrument
