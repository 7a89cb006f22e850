// CPU mode's clock: a kernel timer on one thread's CPU time (a perf_event
// task-clock counter) that signals that thread each time it has run for one
// interval. The kernel's timer fires while the thread runs, so the signal
// interrupts the code that used the time, even when the thread runs in
// bursts shorter than the interval between waits. A sampling thread that
// reads the CPU clock from outside wakes after the burst has ended and finds
// the thread back in its event loop (issue 17 measured 75% of such a
// program's CPU time charged to "(idle)").
//
// The timer may fire kSignalBudget more times than the handler has answered:
// each answer adds one to its budget (Rearm), and at zero the counter disables
// itself until the next answer re-enables it. So at most that many signals
// are ever pending, because a queue of real-time signals that overflowed
// would make the kernel send SIGIO, whose default action ends the process. A
// budget of one would disable and re-enable the counter on every signal
// (about 16 us more per signal in a microbenchmark here). Signals that are
// lost (taken by another handler for a while) use up budget: Restore gives it
// back once none is pending.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace nodeinstrument {

class CpuTimer {
 public:
  // Opens a timer on thread `tid` (of this process) that sends `signal` to it
  // after each `interval_ns` of its CPU time; disabled until Enable. Returns
  // an error message ("" on success): perf_event_open may be refused
  // (kernel.perf_event_paranoid 3, a container's seccomp profile).
  std::string Open(pid_t tid, uint64_t interval_ns, int signal);
  bool open() const { return fd_ >= 0; }
  // The descriptor the signals carry in si_fd.
  int fd() const { return fd_; }
  void Enable();
  // Async-signal-safe (one ioctl): lets the timer fire once more (and
  // re-enables it if it had used up its budget).
  void Rearm() const;
  // Gives back budget lost to signals that never reached the handler: only
  // when none of ours is pending (the caller checks), so the bound holds.
  void Restore(int signals) const;
  static constexpr int kSignalBudget = 16;
  // Stops the signals; callable from any thread. Idempotent.
  void Disable();
  // Closes the descriptor. On the timer's thread, after Disable.
  void Close();

 private:
  int fd_ = -1;
};

}  // namespace nodeinstrument
