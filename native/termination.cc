#include "termination.h"

#include <errno.h>
#include <semaphore.h>
#include <signal.h>
#include <time.h>
#include <v8.h>

#include <atomic>
#include <thread>

namespace nodeinstrument {
namespace {

constexpr int kMaxSignals = 8;
// How often the watcher asks the JS thread again while it has not answered.
constexpr long kRetryNs = 2'000'000;
// How long the JS thread may take to serve a request before the process ends
// without the report (it is blocked in C++, where no request is served).
constexpr long kGiveUpMs = 3000;

// One per process: signal actions are process-wide. The handler reads it.
struct Watch {
  std::atomic<bool> armed{false};
  int signals[kMaxSignals] = {};
  struct sigaction previous[kMaxSignals] = {};
  int count = 0;
  sem_t wake;                        // posted by the handler: sem_post is async-signal-safe
  std::atomic<int> pending{0};       // the signal being served, 0 for none
  std::atomic<bool> in_finish{false};
  std::atomic<bool> finished{false};
  std::atomic<bool> interrupt_queued{false};
  std::atomic<bool> async_queued{false};
  v8::Isolate* isolate = nullptr;
  napi_env env = nullptr;
  napi_ref finish = nullptr;
  napi_threadsafe_function tsfn = nullptr;
  bool watcher_started = false;
};

Watch g_watch;

int IndexOf(int signo) {
  for (int i = 0; i < g_watch.count; ++i) {
    if (g_watch.signals[i] == signo) return i;
  }
  return -1;
}

// Puts the signal's previous action back and raises it, so the process ends
// (or not) as it would have without us. Async-signal-safe: in the handler the
// signal stays blocked until it returns, and is delivered then.
void EndAsSignalWould(int signo) {
  const int index = IndexOf(signo);
  struct sigaction action = {};
  if (index >= 0) {
    action = g_watch.previous[index];
  } else {
    action.sa_handler = SIG_DFL;
  }
  sigaction(signo, &action, nullptr);
  raise(signo);
}

void OnSignal(int signo, siginfo_t*, void*) {
  const int saved_errno = errno;
  int expected = 0;
  if (!g_watch.armed.load(std::memory_order_acquire) ||
      !g_watch.pending.compare_exchange_strong(expected, signo, std::memory_order_acq_rel)) {
    // Not ours to serve, or a second signal while the first is served: the
    // user insists, so the process ends now.
    EndAsSignalWould(signo);
  } else {
    sem_post(&g_watch.wake);
  }
  errno = saved_errno;
}

// What finish() answers.
enum class Answer { kNotNow, kDone, kEndsItself };

// On the JS thread, from the interrupt or the event loop, whichever comes first.
void Serve(bool from_loop) {
  const int signo = g_watch.pending.load(std::memory_order_acquire);
  if (signo == 0 || g_watch.finished.load() || !g_watch.armed.load()) return;
  // finish() runs JavaScript, which serves interrupts: never re-enter it.
  if (g_watch.in_finish.exchange(true)) return;
  napi_env env = g_watch.env;
  Answer answer = Answer::kDone;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) == napi_ok) {
    napi_value fn, global, arguments[2], result;
    if (napi_get_reference_value(env, g_watch.finish, &fn) == napi_ok && fn != nullptr &&
        napi_get_global(env, &global) == napi_ok && napi_create_int32(env, signo, &arguments[0]) == napi_ok &&
        napi_get_boolean(env, from_loop, &arguments[1]) == napi_ok) {
      if (napi_call_function(env, global, fn, 2, arguments, &result) == napi_ok) {
        int32_t value = 1;
        if (napi_get_value_int32(env, result, &value) == napi_ok) {
          answer = value == 0 ? Answer::kNotNow : value == 2 ? Answer::kEndsItself : Answer::kDone;
        }
      } else {
        bool thrown = false;
        napi_value error;
        if (napi_is_exception_pending(env, &thrown) == napi_ok && thrown) napi_get_and_clear_last_exception(env, &error);
      }
    }
    napi_close_handle_scope(env, scope);
  }
  if (answer == Answer::kNotNow) {
    g_watch.in_finish.store(false);  // the watcher asks again
    return;
  }
  g_watch.finished.store(true);
  g_watch.in_finish.store(false);
  // kEndsItself: the JS finishes asynchronously, then unwatches and raises.
  if (answer == Answer::kDone) EndAsSignalWould(signo);
}

void OnInterrupt(v8::Isolate*, void*) {
  g_watch.interrupt_queued.store(false);
  Serve(false);
}

void OnAsync(napi_env env, napi_value, void*, void*) {
  g_watch.async_queued.store(false);
  if (env != nullptr) Serve(true);
}

long ElapsedMs(const timespec& since) {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (now.tv_sec - since.tv_sec) * 1000 + (now.tv_nsec - since.tv_nsec) / 1'000'000;
}

// Asks the JS thread to serve `signo` until it has, or gives up.
void Request(int signo) {
  timespec started;
  clock_gettime(CLOCK_MONOTONIC, &started);
  const timespec pause = {0, kRetryNs};
  while (g_watch.armed.load() && g_watch.pending.load() == signo && !g_watch.finished.load()) {
    if (!g_watch.in_finish.load()) {
      // One request of each kind at a time: a stuck thread must not pile them up.
      if (!g_watch.interrupt_queued.exchange(true)) g_watch.isolate->RequestInterrupt(OnInterrupt, nullptr);
      if (!g_watch.async_queued.exchange(true) &&
          napi_call_threadsafe_function(g_watch.tsfn, nullptr, napi_tsfn_nonblocking) != napi_ok) {
        g_watch.async_queued.store(false);
      }
      if (ElapsedMs(started) > kGiveUpMs) {
        EndAsSignalWould(signo);
        return;
      }
    }
    nanosleep(&pause, nullptr);
  }
}

// Lives for the rest of the process once started (detached: nothing to join
// at exit); sleeps until the handler posts.
void WatcherMain() {
  for (;;) {
    if (sem_wait(&g_watch.wake) != 0) continue;  // EINTR
    const int signo = g_watch.pending.load();
    if (signo != 0) Request(signo);
  }
}

void RestoreActions() {
  for (int i = 0; i < g_watch.count; ++i) {
    struct sigaction current;
    // Only where ours is still installed: other code may have taken the signal since.
    if (sigaction(g_watch.signals[i], nullptr, &current) == 0 && (current.sa_flags & SA_SIGINFO) &&
        current.sa_sigaction == OnSignal) {
      sigaction(g_watch.signals[i], &g_watch.previous[i], nullptr);
    }
  }
  g_watch.count = 0;
}

}  // namespace

Napi::Value WatchTermination(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsArray() || !info[1].IsFunction()) {
    throw Napi::TypeError::New(env, "watchTermination(signals, finish)");
  }
  if (g_watch.armed.load()) throw Napi::Error::New(env, "termination signals are watched already");
  Napi::Array signals = info[0].As<Napi::Array>();
  if (signals.Length() > kMaxSignals) throw Napi::RangeError::New(env, "too many signals");
  if (!g_watch.watcher_started) {
    if (sem_init(&g_watch.wake, 0, 0) != 0) throw Napi::Error::New(env, "sem_init failed");
    napi_value name = Napi::String::New(env, "nodeinstrument termination");
    if (napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, nullptr, nullptr, nullptr, OnAsync,
                                        &g_watch.tsfn) != napi_ok) {
      throw Napi::Error::New(env, "could not create the termination callback");
    }
    // Never keeps the event loop alive.
    napi_unref_threadsafe_function(env, g_watch.tsfn);
    std::thread(WatcherMain).detach();
    g_watch.watcher_started = true;
  }
  if (g_watch.finish != nullptr) napi_delete_reference(g_watch.env, g_watch.finish);
  g_watch.env = env;
  g_watch.isolate = v8::Isolate::GetCurrent();
  napi_create_reference(env, info[1], 1, &g_watch.finish);
  g_watch.pending.store(0);
  g_watch.in_finish.store(false);
  g_watch.finished.store(false);
  while (sem_trywait(&g_watch.wake) == 0) {
  }
  g_watch.count = 0;
  g_watch.armed.store(true, std::memory_order_release);
  Napi::Array installed = Napi::Array::New(env);
  for (uint32_t i = 0; i < signals.Length(); ++i) {
    const int signo = signals.Get(i).As<Napi::Number>().Int32Value();
    struct sigaction previous;
    if (sigaction(signo, nullptr, &previous) != 0) continue;
    // Ignored signals stay ignored (nohup); a program that handles one decides.
    if (!(previous.sa_flags & SA_SIGINFO) && previous.sa_handler == SIG_IGN) continue;
    struct sigaction action = {};
    action.sa_sigaction = OnSignal;
    action.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    g_watch.signals[g_watch.count] = signo;
    g_watch.previous[g_watch.count] = previous;
    g_watch.count++;
    if (sigaction(signo, &action, nullptr) != 0) {
      g_watch.count--;
      continue;
    }
    installed.Set(installed.Length(), Napi::Number::New(env, signo));
  }
  return installed;
}

Napi::Value UnwatchTermination(const Napi::CallbackInfo& info) {
  // Called by finish() itself: Serve() ends the process when it returns.
  if (g_watch.in_finish.load()) return info.Env().Undefined();
  if (!g_watch.armed.exchange(false)) return info.Env().Undefined();
  const int pending = g_watch.pending.exchange(0);
  RestoreActions();
  // A signal that came and was not served yet is not swallowed: it ends the
  // process as it would have.
  if (pending != 0 && !g_watch.finished.load()) raise(pending);
  return info.Env().Undefined();
}

}  // namespace nodeinstrument
