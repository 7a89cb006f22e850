// Compiling a fresh script, so that a V8 flag that changes what V8 logs for
// new code shows itself (Sampler::ProbeNativeStackFlag). Apart from
// sampler.cc, which stays free of V8's handle API (the C++ lock-free tests
// link it with stubs: test/native/lockfree_test.cc).
#ifndef NODEINSTRUMENT_FLAG_PROBE_H_
#define NODEINSTRUMENT_FLAG_PROBE_H_

namespace v8 {
class Isolate;
}

namespace nodeinstrument {

// Compiles (never runs) a script no one compiled before, in the isolate's
// current context, on its JS thread; does nothing without a context.
void CompileProbeScript(v8::Isolate* isolate);

}  // namespace nodeinstrument

#endif  // NODEINSTRUMENT_FLAG_PROBE_H_
