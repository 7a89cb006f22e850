// Telling an out-of-memory death apart from other aborts. When V8's heap
// nears its limit, V8 calls its near-heap-limit callback (on the JS thread,
// inside a GC, where no JavaScript runs); ours appends one JSON line to the
// CLI's journal, so that the report of a program that then dies of OOM can
// say so. It never raises the limit while the program runs: the program dies
// when it would have.
#ifndef NODEINSTRUMENT_HEAP_LIMIT_H_
#define NODEINSTRUMENT_HEAP_LIMIT_H_

#include <napi.h>

namespace nodeinstrument {

// noteNearHeapLimit(fd: number): from now on, each time V8's heap nears its
// limit, writes `{"nearHeapLimit":<bytes>}\n` to fd (a file opened for
// appending). Replaces an earlier call's fd.
Napi::Value NoteNearHeapLimit(const Napi::CallbackInfo& info);

// allowHeapHeadroom(): for the rest of the process, when V8's heap nears its
// limit, the limit is raised (by half, at least 32 MB) instead of the
// process dying. Only for the CLI's preload once the program has ended: the
// report of a program that fitted its --max-old-space-size must not be lost
// to the memory its own building takes. heapHeadroomUsed(): bytes raised so far.
Napi::Value AllowHeapHeadroom(const Napi::CallbackInfo& info);
Napi::Value HeapHeadroomUsed(const Napi::CallbackInfo& info);

}  // namespace nodeinstrument

#endif  // NODEINSTRUMENT_HEAP_LIMIT_H_
