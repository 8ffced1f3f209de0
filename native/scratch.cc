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

}  // namespace


extern "C" void* dm_scratch(int slot, size_t bytes) {
  if (slot < 0 || slot >= DM_SCRATCH_SLOTS) abort();
  Scratch& s = scratch[slot];
  if (s.size < bytes) {
    free(s.ptr);
    size_t sz = (bytes + 63) / 64 * 64;
    s.ptr = aligned_alloc(64, sz);
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
  for (Scratch& s : scratch) {
    freed += s.size;
    free(s.ptr);
    s.ptr = nullptr;
    s.size = 0;
  }
  return freed;
}
