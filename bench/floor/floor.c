/*
 * The floor for any signal-driven sampler: a thread sends a real-time signal
 * to the JS thread at absolute CLOCK_MONOTONIC deadlines (timer slack 1 ns,
 * one signal in flight at a time, like nodeinstrument's sampler) and the
 * handler does nothing but count. Whatever a real sampler costs on top of
 * this is the cost of its own work per sample.
 *
 *   start(intervalUs) -> true | false (already running)
 *   stop()            -> { sent, delivered, late, busy, durationNs }
 */
#define _GNU_SOURCE
#include <errno.h>
#include <node_api.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

static pthread_t g_target;
static pthread_t g_thread;
static int g_signal;
static uint64_t g_interval_ns;
static atomic_int g_running;
static atomic_int g_stop;
static atomic_int g_in_flight;
static atomic_uint_fast64_t g_delivered;
static uint64_t g_sent, g_late, g_busy, g_start_ns, g_end_ns;
static struct sigaction g_previous;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void handler(int sig, siginfo_t* info, void* uc) {
  (void)sig; (void)info; (void)uc;
  atomic_fetch_add_explicit(&g_delivered, 1, memory_order_relaxed);
  atomic_store_explicit(&g_in_flight, 0, memory_order_release);
}

static void* thread_main(void* arg) {
  (void)arg;
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  uint64_t deadline = now_ns() + g_interval_ns;
  while (!atomic_load_explicit(&g_stop, memory_order_acquire)) {
    struct timespec ts = { (time_t)(deadline / 1000000000ull), (long)(deadline % 1000000000ull) };
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {}
    if (atomic_load_explicit(&g_stop, memory_order_acquire)) break;
    if (!atomic_load_explicit(&g_in_flight, memory_order_acquire)) {
      atomic_store_explicit(&g_in_flight, 1, memory_order_release);
      union sigval value;
      value.sival_ptr = NULL;
      if (pthread_sigqueue(g_target, g_signal, value) == 0) g_sent++;
      else atomic_store_explicit(&g_in_flight, 0, memory_order_release);
    } else {
      g_busy++;
    }
    deadline += g_interval_ns;
    uint64_t now = now_ns();
    if (deadline <= now) { g_late++; deadline = now + g_interval_ns; }
  }
  return NULL;
}

static napi_value Start(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  double interval_us = 1000;
  if (argc >= 1) napi_get_value_double(env, argv[0], &interval_us);
  napi_value result;
  if (atomic_load(&g_running) || interval_us < 1) {
    napi_get_boolean(env, false, &result);
    return result;
  }
  g_signal = SIGRTMIN + 7;
  g_interval_ns = (uint64_t)(interval_us * 1000.0);
  g_target = pthread_self();
  g_sent = g_late = g_busy = 0;
  atomic_store(&g_delivered, 0);
  atomic_store(&g_in_flight, 0);
  atomic_store(&g_stop, 0);
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_sigaction = handler;
  action.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  sigaction(g_signal, &action, &g_previous);
  g_start_ns = now_ns();
  pthread_create(&g_thread, NULL, thread_main, NULL);
  atomic_store(&g_running, 1);
  napi_get_boolean(env, true, &result);
  return result;
}

static void set_number(napi_env env, napi_value obj, const char* key, double v) {
  napi_value n;
  napi_create_double(env, v, &n);
  napi_set_named_property(env, obj, key, n);
}

static napi_value Stop(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  if (!atomic_load(&g_running)) {
    napi_get_null(env, &result);
    return result;
  }
  atomic_store(&g_stop, 1);
  pthread_join(g_thread, NULL);
  g_end_ns = now_ns();
  atomic_store(&g_running, 0);
  /* A signal still pending is taken before the handler is restored: unblock
     nothing, just let the kernel deliver it on return from this call. */
  napi_create_object(env, &result);
  set_number(env, result, "sent", (double)g_sent);
  set_number(env, result, "delivered", (double)atomic_load(&g_delivered));
  set_number(env, result, "late", (double)g_late);
  set_number(env, result, "busy", (double)g_busy);
  set_number(env, result, "durationNs", (double)(g_end_ns - g_start_ns));
  return result;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "start", NULL, Start, NULL, NULL, NULL, napi_default, NULL },
    { "stop", NULL, Stop, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, 2, props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
