#include "flag_probe.h"

#include <unistd.h>
#include <v8.h>

#include <atomic>
#include <string>

namespace nodeinstrument {

void CompileProbeScript(v8::Isolate* isolate) {
  static std::atomic<uint64_t> probes{0};
  v8::HandleScope scope(isolate);
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  if (context.IsEmpty()) return;
  v8::TryCatch try_catch(isolate);
  // A new text each time, so that no compilation cache answers.
  const std::string text =
      "/* nodeinstrument probe " + std::to_string(getpid()) + "." + std::to_string(probes.fetch_add(1)) + " */ 0";
  v8::Local<v8::String> source;
  if (!v8::String::NewFromUtf8(isolate, text.c_str()).ToLocal(&source)) return;
  // Compiling is enough (the top-level code gets bytecode).
  v8::Local<v8::Script> script;
  if (!v8::Script::Compile(context, source).ToLocal(&script)) try_catch.Reset();
}

}  // namespace nodeinstrument
