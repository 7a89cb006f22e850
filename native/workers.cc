#include "workers.h"

#include <v8.h>

#include <ctime>
#include <memory>
#include <mutex>

namespace nodeinstrument {
namespace {

struct Entry {
  uint32_t key = 0;
  int32_t thread_id = 0;
  std::string name;
  v8::Isolate* isolate = nullptr;
  uv_loop_t* loop = nullptr;
  // Created and destroyed on the worker's thread only; used by the main
  // thread under g_mutex.
  std::unique_ptr<Sampler> sampler;
  uint64_t session = 0;  // the profile the sampler belongs to
  bool starting = false; // the worker's thread is in Sampler::Start
  bool tearing_down = false;  // ... or in Sampler::Stop
  bool sampled = false;  // a sampler of the current profile ran
  // What a torn-down sampler still held, for the next DrainAll.
  std::unique_ptr<WorkerDrain> leftover;
};

std::mutex g_mutex;
// Under g_mutex. Pointers, so that an entry stays put while its worker
// starts a sampler without the lock.
std::vector<std::unique_ptr<Entry>>* g_entries = nullptr;
std::vector<WorkerDrain>* g_exited = nullptr;
std::vector<std::string>* g_errors = nullptr;
uint32_t g_next_key = 1;
bool g_active = false;
uint64_t g_session = 0;
SamplerOptions g_options;

uint64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

void EnsureLists() {
  if (g_entries == nullptr) {
    g_entries = new std::vector<std::unique_ptr<Entry>>();
    g_exited = new std::vector<WorkerDrain>();
    g_errors = new std::vector<std::string>();
  }
}

Entry* FindByIsolate(v8::Isolate* isolate) {
  for (auto& entry : *g_entries) {
    if (entry->isolate == isolate) return entry.get();
  }
  return nullptr;
}

// Appends what `sampler` holds now to `into` (under g_mutex).
void DrainInto(Sampler* sampler, WorkerDrain* into) {
  DrainResult drained = sampler->Drain();
  into->samples.insert(into->samples.end(), drained.samples.begin(), drained.samples.end());
  into->code_events.insert(into->code_events.end(), drained.code_events.begin(), drained.code_events.end());
  into->stats = sampler->Stats();
}

// On the worker's thread: stops and destroys the entry's sampler, keeping
// what it still held in entry->leftover. Takes and gives back g_mutex.
void TearDown(std::unique_lock<std::mutex>& lock, Entry* entry) {
  Sampler* sampler = entry->sampler.get();
  if (sampler == nullptr || entry->tearing_down) return;
  entry->tearing_down = true;
  lock.unlock();
  // Stop() needs the worker's thread (code event handler, libuv handles)
  // and may wait a sampling interval: not under the lock. The main thread
  // may drain the sampler meanwhile (Drain and Stop may overlap).
  sampler->Stop();
  const uint64_t cpu_ns = sampler->JsThreadCpuTime();
  lock.lock();
  entry->tearing_down = false;
  std::unique_ptr<Sampler> owned = std::move(entry->sampler);
  if (entry->session == g_session) {
    if (!entry->leftover) {
      entry->leftover.reset(new WorkerDrain());
      entry->leftover->key = entry->key;
      entry->leftover->thread_id = entry->thread_id;
      entry->leftover->name = entry->name;
      entry->leftover->start_ns = owned->start_time_ns();
      entry->leftover->start_cpu_ns = owned->start_cpu_time_ns();
    }
    DrainInto(owned.get(), entry->leftover.get());
    entry->leftover->cpu_ns = cpu_ns;
    entry->leftover->end_ns = MonotonicNs();
  }
  // Nobody else can reach it now; freeing it (its ring) needs no lock.
  lock.unlock();
  owned.reset();
  lock.lock();
}

// On the worker's thread: brings its sampler in line with the main thread's
// profile (start one, or tear one down). Takes and gives back g_mutex.
void Service(std::unique_lock<std::mutex>& lock, Entry* entry) {
  if (entry->starting) return;
  if (entry->sampler && (!g_active || entry->session != g_session)) TearDown(lock, entry);
  if (!g_active || entry->sampler || entry->session == g_session) return;
  if (Sampler::RunningFor(entry->isolate)) {
    // The worker runs a profile of its own: leave it alone.
    g_errors->push_back("worker " + std::to_string(entry->thread_id) +
                        " runs a profile of its own: it is not in this one");
    entry->session = g_session;
    return;
  }
  const uint64_t session = g_session;
  const SamplerOptions options = g_options;
  entry->starting = true;
  entry->session = session;
  lock.unlock();
  // Lists the isolate's existing code (a heap walk): not under the lock.
  std::unique_ptr<Sampler> sampler;
  const std::string error = Sampler::Start(entry->isolate, entry->loop, options, &sampler);
  lock.lock();
  entry->starting = false;
  if (!error.empty()) {
    g_errors->push_back("worker " + std::to_string(entry->thread_id) + " could not be sampled: " + error);
    return;
  }
  entry->sampler = std::move(sampler);
  entry->sampled = true;
  // The profile may have stopped meanwhile.
  if (!g_active || g_session != session) TearDown(lock, entry);
}

// Runs on the worker's thread at its next JS stack check.
void OnInterrupt(v8::Isolate* isolate, void*) {
  std::unique_lock<std::mutex> lock(g_mutex);
  if (g_entries == nullptr) return;
  Entry* entry = FindByIsolate(isolate);
  if (entry != nullptr) Service(lock, entry);
}

void RequestService(Entry* entry) {
  // The entry is registered, so its isolate lives (Unregister runs before
  // the worker's isolate goes, and removes the entry under the same lock).
  entry->isolate->RequestInterrupt(&OnInterrupt, nullptr);
}

}  // namespace

uint32_t Workers::Register(v8::Isolate* isolate, uv_loop_t* loop, int32_t thread_id) {
  std::unique_lock<std::mutex> lock(g_mutex);
  EnsureLists();
  Entry* existing = FindByIsolate(isolate);
  if (existing != nullptr) return existing->key;
  std::unique_ptr<Entry> entry(new Entry());
  entry->key = g_next_key++;
  entry->thread_id = thread_id;
  entry->isolate = isolate;
  entry->loop = loop;
  Entry* added = entry.get();
  g_entries->push_back(std::move(entry));
  // A worker that starts during a profile joins it now.
  Service(lock, added);
  return added->key;
}

void Workers::Unregister(uint32_t key) {
  std::unique_lock<std::mutex> lock(g_mutex);
  if (g_entries == nullptr) return;
  Entry* entry = nullptr;
  for (auto& candidate : *g_entries) {
    if (candidate->key == key) entry = candidate.get();
  }
  if (entry == nullptr) return;
  TearDown(lock, entry);
  if (entry->session == g_session && entry->sampled) {
    // The main thread learns that the thread is gone, with what was left.
    WorkerDrain exited;
    if (entry->leftover) exited = std::move(*entry->leftover);
    exited.key = entry->key;
    exited.thread_id = entry->thread_id;
    exited.name = entry->name;
    exited.exited = true;
    if (exited.end_ns == 0) exited.end_ns = MonotonicNs();
    g_exited->push_back(std::move(exited));
  }
  for (auto it = g_entries->begin(); it != g_entries->end(); ++it) {
    if (it->get() == entry) {
      g_entries->erase(it);
      break;
    }
  }
}

void Workers::SetName(uint32_t key, const std::string& name) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_entries == nullptr) return;
  for (auto& entry : *g_entries) {
    if (entry->key != key) continue;
    entry->name = name;
    if (entry->leftover) entry->leftover->name = name;
  }
}

bool Workers::IsSampled(v8::Isolate* isolate) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_entries == nullptr) return false;
  Entry* entry = FindByIsolate(isolate);
  return entry != nullptr && (entry->sampler != nullptr || entry->starting);
}

void Workers::StartAll(const SamplerOptions& options) {
  std::lock_guard<std::mutex> lock(g_mutex);
  EnsureLists();
  g_active = true;
  ++g_session;
  g_options = options;
  g_options.label_slot = nullptr;  // a worker's label sets are its own
  g_exited->clear();
  g_errors->clear();
  for (auto& entry : *g_entries) {
    entry->leftover.reset();
    entry->sampled = false;
    RequestService(entry.get());
  }
}

void Workers::StopAll() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_entries == nullptr || !g_active) return;
  g_active = false;
  for (auto& entry : *g_entries) {
    // No more signals from here on; the worker tears the rest down.
    if (entry->sampler) entry->sampler->StopSampling();
    RequestService(entry.get());
  }
}

std::vector<WorkerDrain> Workers::DrainAll() {
  std::vector<WorkerDrain> drains;
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_entries == nullptr) return drains;
  for (auto& entry : *g_entries) {
    if (entry->session != g_session) continue;
    if (entry->leftover) {
      drains.push_back(std::move(*entry->leftover));
      entry->leftover.reset();
    }
    if (entry->sampler) {
      WorkerDrain drain;
      drain.key = entry->key;
      drain.thread_id = entry->thread_id;
      drain.name = entry->name;
      drain.start_ns = entry->sampler->start_time_ns();
      drain.start_cpu_ns = entry->sampler->start_cpu_time_ns();
      DrainInto(entry->sampler.get(), &drain);
      drain.cpu_ns = entry->sampler->JsThreadCpuTime();
      if (!entry->sampler->running() || !g_active) drain.end_ns = MonotonicNs();
      drains.push_back(std::move(drain));
    }
  }
  for (WorkerDrain& exited : *g_exited) drains.push_back(std::move(exited));
  g_exited->clear();
  return drains;
}

std::vector<std::string> Workers::TakeErrors() {
  std::lock_guard<std::mutex> lock(g_mutex);
  std::vector<std::string> errors;
  if (g_errors != nullptr) errors.swap(*g_errors);
  return errors;
}

}  // namespace nodeinstrument
