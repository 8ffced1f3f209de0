// The one place that holds the threading policy: a persistent pool of std::threads and
// per-thread scratch memory. C-style so the ISA-specific kernel translation units need
// no C++ standard-library templates (see kernels_impl.inc).
#pragma once
#include <stddef.h>

extern "C" {
/** A task body: runs once per thread with (ith, nth), like ggml. */
typedef void (*dm_task_fn)(void* ctx, int ith, int nth);
/** Runs fn(ctx, i, nth) for i in [0, nth) on the calling thread plus nth-1 pool workers, and waits. */
void dm_parallel(int nth, dm_task_fn fn, void* ctx);
/** Grow-only, 64-byte aligned scratch memory keyed by slot (< DM_SCRATCH_SLOTS). Contents are undefined. */
void* dm_scratch(int slot, size_t bytes);
/** Frees every scratch buffer (they grow back on the next call that needs them); returns the bytes freed. Not during a call. */
size_t dm_release_scratch(void);
/**
 * Arithmetic of the AVX-512 matrix products (and the convolutions built on them): 0 = fp32, the
 * default; 1 = operands rounded to bfloat16, products summed in fp32 (AVX512_BF16's vdpbf16ps).
 * Set by the addon (setPrecision) between calls, read by the kernels.
 */
extern int dm_gemm_bf16;
/** Serialise the allocator where it is not thread-safe (the wasm threads build's libc); no-ops elsewhere. */
void dm_heap_lock(void);
void dm_heap_unlock(void);
}

#define DM_SCRATCH_SLOTS 1024
/** Slot of scratch buffer `kind` (< 8) of thread `ith`. */
#define DM_THREAD_SLOT(ith, kind) (8 + (ith) * 8 + (kind))
