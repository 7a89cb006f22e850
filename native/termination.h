// Finishing a recording when a terminating signal (SIGINT, SIGTERM, ...)
// arrives, even while the JS thread is stuck in a synchronous loop.
//
// Node handles these signals with JS listeners, which run only when the event
// loop turns: a program spinning in `for (;;)` never ran them, so Ctrl-C hung
// and no report was written. Here a small handler notes the signal and wakes a
// watcher thread, which asks the JS thread to run the `finish` callback both
// through a V8 interrupt (served at the next function entry or loop back-edge,
// in a busy loop) and through the event loop (when it waits idle). After
// `finish` the signal's previous action is restored and the signal raised
// again, so the process ends as it would have.
//
// A second signal while `finish` runs ends the process at once. If the JS
// thread serves neither request within kGiveUpMs (a blocking C++ call), the
// process ends as the signal would, without `finish`.
#ifndef NODEINSTRUMENT_TERMINATION_H_
#define NODEINSTRUMENT_TERMINATION_H_

#include <napi.h>

namespace nodeinstrument {

// watchTermination(signals: number[], finish: (signal: number, fromLoop: boolean) => 0 | 1 | 2):
// installs the handler on each signal and calls finish on the JS thread when
// one arrives (fromLoop: from the event loop rather than an interrupt, so
// asynchronous work can follow). finish answers 0 when it cannot run now (the
// profiler is in the middle of its own work: it is asked again shortly), 1
// when done (the signal is raised again now), 2 when it will end the process
// itself (it unwatches, then raises the signal, after asynchronous work).
Napi::Value WatchTermination(const Napi::CallbackInfo& info);

// unwatchTermination(): restores the signals' previous actions (where ours is
// still installed) and ends the watcher thread. Idempotent.
Napi::Value UnwatchTermination(const Napi::CallbackInfo& info);

}  // namespace nodeinstrument

#endif  // NODEINSTRUMENT_TERMINATION_H_
