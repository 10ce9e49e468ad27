// CPU time of the calling thread, for tests that compare how long two pieces
// of work take: other processes on a loaded machine stretch wall time, not
// this (a 9 ms lint measured on the wall clock once read 21x its 20 ms peer).
#pragma once

#include <ctime>

namespace mxsim::test {

inline double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace mxsim::test
