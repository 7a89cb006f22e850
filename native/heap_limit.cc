#include "heap_limit.h"

#include <unistd.h>
#include <v8.h>

#include <algorithm>
#include <cstdio>

namespace nodeinstrument {
namespace {

int g_fd = -1;
bool g_registered = false;
// Set for the profiler's own work at the program's end (allowHeapHeadroom);
// read and written on the JS thread only, as the callback runs there.
bool g_headroom = false;
size_t g_raised_bytes = 0;

size_t OnNearHeapLimit(void*, size_t current_heap_limit, size_t) {
  if (g_headroom) {
    // The program has ended; what nears the limit is the report being built.
    const size_t more = std::max<size_t>(current_heap_limit / 2, size_t{32} << 20);
    g_raised_bytes += more;
    return current_heap_limit + more;
  }
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

Napi::Value AllowHeapHeadroom(const Napi::CallbackInfo& info) {
  g_headroom = true;
  if (!g_registered) {
    v8::Isolate::GetCurrent()->AddNearHeapLimitCallback(OnNearHeapLimit, nullptr);
    g_registered = true;
  }
  return info.Env().Undefined();
}

Napi::Value HeapHeadroomUsed(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(g_raised_bytes));
}

}  // namespace nodeinstrument
