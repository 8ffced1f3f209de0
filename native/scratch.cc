// Per-call scratch memory of the kernels (see pool.h): grow-only, 64-byte aligned blocks keyed
// by slot. Shared by the threaded addon build and the single-threaded WebAssembly build.
#include <stdlib.h>

#include "pool.h"

namespace {

// Plain data, zero-initialised as a static: no constructor, which a WebAssembly module would run
// again at each exported call if it were built as a command instead of a reactor.
struct Scratch {
  void* ptr;
  size_t size;
};
Scratch scratch[DM_SCRATCH_SLOTS];

#if defined(__wasm_atomics__)
// wasi-libc's malloc has no lock of its own in this build: workers growing their scratch and the
// caller allocating a call's block take turns
int heapLock = 0;
#endif

}  // namespace

extern "C" void dm_heap_lock(void) {
#if defined(__wasm_atomics__)
  while (__atomic_exchange_n(&heapLock, 1, __ATOMIC_ACQUIRE)) {
  }
#endif
}

extern "C" void dm_heap_unlock(void) {
#if defined(__wasm_atomics__)
  __atomic_store_n(&heapLock, 0, __ATOMIC_RELEASE);
#endif
}

extern "C" void* dm_scratch(int slot, size_t bytes) {
  if (slot < 0 || slot >= DM_SCRATCH_SLOTS) abort();
  Scratch& s = scratch[slot];
  if (s.size < bytes) {
    dm_heap_lock();
    free(s.ptr);
    size_t sz = (bytes + 63) / 64 * 64;
    s.ptr = aligned_alloc(64, sz);
    dm_heap_unlock();
    if (!s.ptr) {
      s.size = 0;
      return nullptr;
    }
    s.size = sz;
  }
  return s.ptr;
}

extern "C" size_t dm_release_scratch(void) {
  size_t freed = 0;
  dm_heap_lock();
  for (Scratch& s : scratch) {
    freed += s.size;
    free(s.ptr);
    s.ptr = nullptr;
    s.size = 0;
  }
  dm_heap_unlock();
  return freed;
}
