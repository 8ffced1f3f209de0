// The kernels compiled to WebAssembly (SIMD128): the same kernels_impl.inc as the addon, as
// namespace dm_wasm, behind a C surface of pointers into linear memory and 32-bit
// sizes (wasm32 addresses 4 GB, so no size needs 64 bits). The TypeScript side
// (src/backend/wasm/) copies inputs in, calls one of these and copies the outputs out; it
// validates shapes first, as it does for the addon. Built by scripts/build-wasm.mjs.
#include <stdint.h>
#include <stdlib.h>

#define DM_NS dm_wasm
#include "kernels_impl.inc"

extern "C" float dmExp2Table[10] = {
    -126.f, 127.f, 12582912.f, 1.534581242594868e-4f, 1.3399930903688073e-3f, 9.618489071726799e-3f,
    5.550328642129898e-2f, 2.4022646248340607e-1f, 6.931471824645996e-1f, 1.f,
};

#define DM_EXPORT(name) extern "C" __attribute__((export_name(#name)))

namespace {
// Threads each kernel call uses: 1, unless the threads build (shared memory) has workers parked
// in the pool (dm_worker_join) and the TypeScript side has turned them on (dm_set_threads).
int kThreads = 1;
constexpr int kMaxRank = 16;

DmConvShape convShape(int n, int c, int h, int w, int o, int kh, int kw, int padH, int padW, int groups, int oh,
                      int ow) {
  return DmConvShape{n, c, h, w, o, kh, kw, padH, padW, groups, oh, ow};
}

DmScanShape scanShape(int b, int groups, int d, int n, int L, int chunk, int bcStride) {
  return DmScanShape{b, groups, d, n, L, chunk, bcStride};
}

void widen(const int32_t* src, int64_t* dst, int rank) {
  for (int k = 0; k < rank && k < kMaxRank; k++) dst[k] = src[k];
}
}  // namespace

DM_EXPORT(dm_alloc) void* dmAlloc(uint32_t bytes) {
  dm_heap_lock();
  void* p = aligned_alloc(64, (bytes + 63) / 64 * 64);
  dm_heap_unlock();
  return p;
}
DM_EXPORT(dm_free) void dmFree(void* p) {
  dm_heap_lock();
  free(p);
  dm_heap_unlock();
}
DM_EXPORT(dm_release_scratch) uint32_t dmReleaseScratch() { return static_cast<uint32_t>(dm_release_scratch()); }

DM_EXPORT(dm_matmul)
void dmMatmul(const float* a, const float* b, float* c, int batch, int m, int k, int n, int transA, int transB,
              int strideA, int strideB, int strideC, int accumulate) {
  dm_wasm::matmul(kThreads, a, b, c, batch, m, k, n, transA != 0, transB != 0, strideA, strideB, strideC,
                  accumulate != 0);
}

DM_EXPORT(dm_conv2d)
void dmConv2d(const float* x, const float* w, const float* bias, float* y, int n, int c, int h, int wd, int o, int kh,
              int kw, int padH, int padW, int groups, int oh, int ow) {
  dm_wasm::conv2d(kThreads, x, w, bias, y, convShape(n, c, h, wd, o, kh, kw, padH, padW, groups, oh, ow));
}

DM_EXPORT(dm_conv2d_backward_input)
void dmConv2dBackwardInput(const float* gy, const float* w, float* gx, int n, int c, int h, int wd, int o, int kh,
                           int kw, int padH, int padW, int groups, int oh, int ow) {
  dm_wasm::conv2dBackwardInput(kThreads, gy, w, gx, convShape(n, c, h, wd, o, kh, kw, padH, padW, groups, oh, ow));
}

DM_EXPORT(dm_conv2d_backward_weight)
void dmConv2dBackwardWeight(const float* gy, const float* x, float* gw, int n, int c, int h, int wd, int o, int kh,
                            int kw, int padH, int padW, int groups, int oh, int ow) {
  dm_wasm::conv2dBackwardWeight(kThreads, gy, x, gw, convShape(n, c, h, wd, o, kh, kw, padH, padW, groups, oh, ow));
}

DM_EXPORT(dm_channel_norm)
void dmChannelNorm(const float* x, const float* w, const float* bias, float* y, float* mean, float* rstd, int n, int c,
                   int hw, float eps, int subtractMean) {
  dm_wasm::channelNorm(kThreads, x, w, bias, y, mean, rstd, n, c, hw, eps, subtractMean != 0);
}

DM_EXPORT(dm_channel_norm_backward)
void dmChannelNormBackward(const float* gy, const float* x, const float* w, const float* mean, const float* rstd,
                           float* dx, float* dw, float* db, int n, int c, int hw, int subtractMean) {
  dm_wasm::channelNormBackward(kThreads, gy, x, w, mean, rstd, dx, dw, db, n, c, hw, subtractMean != 0);
}

DM_EXPORT(dm_scan)
void dmScan(const float* u, const float* delta, const float* A, const float* B, const float* C, const float* D,
            const float* deltaBias, float* y, float* states, int b, int groups, int d, int n, int L, int chunk,
            int bcStride) {
  const DmScanIn in{u, delta, A, B, C, D, deltaBias};
  dm_wasm::scan(kThreads, in, y, states, scanShape(b, groups, d, n, L, chunk, bcStride));
}

DM_EXPORT(dm_scan_backward)
void dmScanBackward(const float* u, const float* delta, const float* A, const float* B, const float* C, const float* D,
                    const float* deltaBias, const float* states, const float* gy, float* du, float* ddelta, float* dA,
                    float* dB, float* dC, float* dD, float* dDeltaBias, int b, int groups, int d, int n, int L,
                    int chunk, int bcStride) {
  const DmScanIn in{u, delta, A, B, C, D, deltaBias};
  const DmScanGrads g{du, ddelta, dA, dB, dC, dD, dDeltaBias};
  dm_wasm::scanBackward(kThreads, in, states, gy, g, scanShape(b, groups, d, n, L, chunk, bcStride));
}

DM_EXPORT(dm_unary) void dmUnary(int op, const float* x, float* y, int len) { dm_wasm::unary(kThreads, op, x, y, len); }

DM_EXPORT(dm_unary_backward)
void dmUnaryBackward(int op, const float* x, const float* y, const float* gy, float* gx, int len) {
  dm_wasm::unaryBackward(kThreads, op, x, y, gy, gx, len);
}

DM_EXPORT(dm_gate)
void dmGate(int op, const float* a, const float* b, float* y, int rows, int len, int strideA, int strideB) {
  dm_wasm::gate(kThreads, op, a, b, y, rows, len, strideA, strideB);
}

DM_EXPORT(dm_gate_backward)
void dmGateBackward(int op, const float* a, const float* b, const float* gy, float* da, float* db, int rows, int len,
                    int strideA, int strideB, int strideDa, int strideDb) {
  dm_wasm::gateBackward(kThreads, op, a, b, gy, da, db, rows, len, strideA, strideB, strideDa, strideDb);
}

DM_EXPORT(dm_ss2d_gather) void dmSs2dGather(const float* x, float* out, int b, int c, int h, int w) {
  dm_wasm::ss2dGather(kThreads, x, out, b, c, h, w);
}

DM_EXPORT(dm_ss2d_merge) void dmSs2dMerge(const float* ys, float* out, int b, int c, int h, int w) {
  dm_wasm::ss2dMerge(kThreads, ys, out, b, c, h, w);
}

DM_EXPORT(dm_binary)
void dmBinary(int op, const float* a, const int32_t* aStrides, const float* b, const int32_t* bStrides, float* out,
              const int32_t* shape, int rank) {
  int64_t sa[kMaxRank], sb[kMaxRank], sh[kMaxRank];
  widen(aStrides, sa, rank);
  widen(bStrides, sb, rank);
  widen(shape, sh, rank);
  dm_wasm::binary(kThreads, op, a, sa, b, sb, out, sh, rank);
}

DM_EXPORT(dm_gather)
void dmGather(const float* src, const int32_t* strides, float* out, const int32_t* shape, int rank) {
  int64_t st[kMaxRank], sh[kMaxRank];
  widen(strides, st, rank);
  widen(shape, sh, rank);
  dm_wasm::gather(kThreads, src, st, out, sh, rank);
}


#if defined(__wasm_atomics__)
// The pool of the threads build: instances of this module in workers (Web Workers or Node's
// worker_threads) share its memory, each with its own stack, and take each job in
// dm_worker_step: the task and its context (a lambda on the caller's stack, in that memory).
namespace {
struct Job {
  int gen;      // bumped for each job; workers wait on it
  int pending;  // workers that have not finished this job; the caller spins on it
  int nth;
  dm_task_fn fn;
  void* ctx;
};
Job job;
int parked = 0;   // workers that have joined (dm_worker_join)
int workers = 0;  // workers that take part in jobs (kThreads − 1)
int workerTrapped = 0;  // a worker trapped in a job since the caller last looked
}  // namespace

/** A worker joins the pool (counted as parked); its JavaScript then waits on dm_worker_gen_at. */
DM_EXPORT(dm_worker_join) void dmWorkerJoin() { __atomic_fetch_add(&parked, 1, __ATOMIC_SEQ_CST); }

/** The address of the job counter the workers wait on (with Atomics.wait, from JavaScript). */
DM_EXPORT(dm_worker_gen_at) int* dmWorkerGenAt() { return &job.gen; }

/**
 * One step of a worker: if a job newer than `seen` is posted, runs this worker's share of it;
 * returns the job counter it has served. Workers wait between steps in JavaScript
 * (Atomics.wait), not in memory.atomic.wait32, so no wasm frame is suspended while V8 wakes a
 * waiting thread to run an interrupt (which corrupted the stack pointer on Node 20).
 */
DM_EXPORT(dm_worker_step) int dmWorkerStep(int ith, int seen) {
  const int gen = __atomic_load_n(&job.gen, __ATOMIC_ACQUIRE);
  if (gen == seen) return seen;
  if (ith < job.nth) job.fn(job.ctx, ith, job.nth);
  __atomic_sub_fetch(&job.pending, 1, __ATOMIC_ACQ_REL);
  return gen;
}

/** Called by a worker's JavaScript when its share trapped: the job counts it as done, and the caller will hear of it. */
DM_EXPORT(dm_worker_trapped) void dmWorkerTrapped() {
  __atomic_store_n(&workerTrapped, 1, __ATOMIC_SEQ_CST);
  __atomic_sub_fetch(&job.pending, 1, __ATOMIC_ACQ_REL);
}

/** Whether a worker trapped since the last call (and clears it). */
DM_EXPORT(dm_take_worker_trap) int dmTakeWorkerTrap() { return __atomic_exchange_n(&workerTrapped, 0, __ATOMIC_SEQ_CST); }

DM_EXPORT(dm_parked_workers) int dmParkedWorkers() { return __atomic_load_n(&parked, __ATOMIC_SEQ_CST); }

/** Threads for the following calls: 1 + the workers that take part (at most those parked); returns them. */
DM_EXPORT(dm_set_threads) int dmSetThreads(int n) {
  const int w = n - 1 < dmParkedWorkers() ? n - 1 : dmParkedWorkers();
  workers = w < 0 ? 0 : w;
  kThreads = workers + 1;
  return kThreads;
}

extern "C" void dm_parallel(int nth, dm_task_fn fn, void* ctx) {
  if (workers == 0 || nth <= 1) {
    for (int i = 0; i < nth; i++) fn(ctx, i, nth);
    return;
  }
  // a caller whose own share trapped left without waiting: its workers finish first, and what
  // they hit belongs to that call
  while (__atomic_load_n(&job.pending, __ATOMIC_ACQUIRE) != 0) {
  }
  __atomic_store_n(&workerTrapped, 0, __ATOMIC_SEQ_CST);
  job.fn = fn;
  job.ctx = ctx;
  job.nth = nth;
  __atomic_store_n(&job.pending, workers, __ATOMIC_RELAXED);
  __atomic_fetch_add(&job.gen, 1, __ATOMIC_RELEASE);
  __builtin_wasm_memory_atomic_notify(&job.gen, static_cast<unsigned>(workers));  // wakes their Atomics.wait
  fn(ctx, 0, nth);
  for (int i = workers + 1; i < nth; i++) fn(ctx, i, nth);  // shares beyond the pool, if asked for more
  // The caller, its share done, spins rather than waits: it may be a thread that must not block
  // (a browser's main thread), and memory.atomic.wait32 corrupted the instance's stack pointer on
  // Node 20 (workers wait in JavaScript, between dm_worker_step calls).
  while (__atomic_load_n(&job.pending, __ATOMIC_ACQUIRE) != 0) {
  }
}
#else
// The pool of the single-threaded build: every share runs in turn on the caller.
extern "C" void dm_parallel(int nth, dm_task_fn fn, void* ctx) {
  for (int i = 0; i < nth; i++) fn(ctx, i, nth);
}
#endif
