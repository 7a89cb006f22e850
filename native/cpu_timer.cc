#include "cpu_timer.h"

#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>

namespace nodeinstrument {
namespace {

int OpenTaskClock(pid_t tid, uint64_t interval_ns, bool count_kernel) {
  perf_event_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.size = sizeof(attr);
  attr.type = PERF_TYPE_SOFTWARE;
  attr.config = PERF_COUNT_SW_TASK_CLOCK;
  attr.sample_period = interval_ns;
  attr.disabled = 1;
  attr.exclude_hv = 1;
  // Time in system calls fires the timer too where the kernel allows it
  // (the signal then arrives as the call returns, on the stack that made it);
  // otherwise that time is carried by the next sample, which measures the
  // CPU time since the previous one.
  attr.exclude_kernel = count_kernel ? 0 : 1;
  // A signal for each overflow.
  attr.wakeup_events = 1;
  return static_cast<int>(syscall(SYS_perf_event_open, &attr, tid, -1, -1, PERF_FLAG_FD_CLOEXEC));
}

}  // namespace

std::string CpuTimer::Open(pid_t tid, uint64_t interval_ns, int signal) {
  int fd = OpenTaskClock(tid, interval_ns, /*count_kernel=*/true);
  // perf_event_paranoid 2 (the usual default) refuses kernel time to
  // unprivileged processes.
  if (fd < 0 && (errno == EACCES || errno == EPERM)) fd = OpenTaskClock(tid, interval_ns, false);
  if (fd < 0) return std::string("perf_event_open: ") + strerror(errno);
  f_owner_ex owner{};
  owner.type = F_OWNER_TID;
  owner.pid = tid;
  if (fcntl(fd, F_SETOWN_EX, &owner) != 0 || fcntl(fd, F_SETSIG, signal) != 0 ||
      fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC | O_NONBLOCK) != 0) {
    const std::string error = std::string("fcntl on the perf event: ") + strerror(errno);
    close(fd);
    return error;
  }
  fd_ = fd;
  return "";
}

void CpuTimer::Enable() {
  if (fd_ >= 0) ioctl(fd_, PERF_EVENT_IOC_REFRESH, kSignalBudget);
}

void CpuTimer::Rearm() const {
  // While the counter is enabled this only adds one to its budget.
  if (fd_ >= 0) ioctl(fd_, PERF_EVENT_IOC_REFRESH, 1);
}

void CpuTimer::Restore(int signals) const {
  if (fd_ >= 0 && signals > 0) ioctl(fd_, PERF_EVENT_IOC_REFRESH, signals);
}

void CpuTimer::Disable() {
  if (fd_ >= 0) ioctl(fd_, PERF_EVENT_IOC_DISABLE, 0);
}

void CpuTimer::Close() {
  if (fd_ < 0) return;
  close(fd_);
  fd_ = -1;
}

}  // namespace nodeinstrument
