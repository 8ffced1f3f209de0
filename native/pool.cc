#include "pool.h"

#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

int dm_gemm_bf16 = 0;

namespace {

// Process-wide and deliberately never destroyed: its threads sleep on a condition variable
// between calls, and leaking the pool means no destructor ever touches that condition
// variable while process exit tears the threads down (so node always exits cleanly).
struct Pool {
  std::mutex mu;
  std::condition_variable cvWork;
  std::condition_variable cvDone;
  std::vector<std::thread> workers;
  dm_task_fn fn = nullptr;
  void* ctx = nullptr;
  int nth = 1;
  uint64_t gen = 0;
  int pending = 0;

  void loop(int idx, uint64_t seen) {
    std::unique_lock<std::mutex> lk(mu);
    for (;;) {
      cvWork.wait(lk, [&] { return gen != seen; });
      seen = gen;
      if (idx >= nth) continue;
      dm_task_fn f = fn;
      void* c = ctx;
      int n = nth;
      lk.unlock();
      f(c, idx, n);
      lk.lock();
      if (--pending == 0) cvDone.notify_one();
    }
  }

  void run(int n, dm_task_fn f, void* c) {
    {
      std::unique_lock<std::mutex> lk(mu);
      while (static_cast<int>(workers.size()) < n - 1) {
        int idx = static_cast<int>(workers.size()) + 1;
        workers.emplace_back([this, idx, g = gen] { loop(idx, g); });
        workers.back().detach();
      }
      fn = f;
      ctx = c;
      nth = n;
      pending = n - 1;
      ++gen;
    }
    cvWork.notify_all();
    f(c, 0, n);
    std::unique_lock<std::mutex> lk(mu);
    cvDone.wait(lk, [&] { return pending == 0; });
  }
};

Pool* pool() {
  static Pool* p = new Pool();
  return p;
}

}  // namespace

extern "C" void dm_parallel(int nth, dm_task_fn fn, void* ctx) {
  if (nth <= 1) {
    fn(ctx, 0, 1);
    return;
  }
  // One caller at a time (worker_threads could call in parallel): kernels share scratch.
  pool()->run(nth, fn, ctx);
}
