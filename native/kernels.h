// The flat kernel list, over plain buffers and sizes. Declared once per instruction set:
// kernels_impl.inc is compiled three times (kernels_generic.cc, kernels_avx2.cc,
// kernels_avx512.cc) into the namespaces dm_generic, dm_avx2 and dm_avx512; addon.cc picks one at load time from the CPU.
// wasm_exports.cc compiles it a fourth time, as dm_wasm, to WebAssembly SIMD128 (scripts/build-wasm.mjs).
#pragma once
#include <stdint.h>

struct DmConvShape {
  int n, c, h, w, o, kh, kw, padH, padW, groups, oh, ow;
};

struct DmScanShape {
  int b, groups, d, n, L, chunk;
  // Distance between the B (and C) blocks of consecutive (batch, group) pairs: n·L when packed,
  // larger when they are read in place out of a projection. dB and dC are always packed.
  int64_t bcStride;
};

struct DmScanIn {
  const float *u, *delta, *A, *B, *C, *D, *deltaBias;
};

struct DmScanGrads {
  float *du, *ddelta, *dA, *dB, *dC, *dD, *dDeltaBias;
};

#define DM_DECLARE_KERNELS(NS)                                                                              \
  namespace NS {                                                                                            \
  void matmul(int nth, const float* a, const float* b, float* c, int batch, int m, int k, int n, bool transA, \
              bool transB, int64_t strideA, int64_t strideB, int64_t strideC, bool accumulate);            \
  void conv2d(int nth, const float* x, const float* w, const float* bias, float* y, const DmConvShape& s);   \
  void conv2dBackwardInput(int nth, const float* gy, const float* w, float* gx, const DmConvShape& s);       \
  void conv2dBackwardWeight(int nth, const float* gy, const float* x, float* gw, const DmConvShape& s);      \
  void channelNorm(int nth, const float* x, const float* w, const float* bias, float* y, float* mean,        \
                   float* rstd, int n, int c, int64_t hw, float eps, bool subtractMean);                    \
  void channelNormBackward(int nth, const float* gy, const float* x, const float* w, const float* mean,     \
                           const float* rstd, float* dx, float* dw, float* db, int n, int c, int64_t hw,    \
                           bool subtractMean);                                                              \
  void scan(int nth, const DmScanIn& in, float* y, float* states, const DmScanShape& s);                     \
  void scanBackward(int nth, const DmScanIn& in, const float* states, const float* gy, const DmScanGrads& g, \
                    const DmScanShape& s);                                                                  \
  void unary(int nth, int op, const float* x, float* y, int64_t len);                                       \
  void unaryBackward(int nth, int op, const float* x, const float* y, const float* gy, float* gx, int64_t len); \
  void gate(int nth, int op, const float* a, const float* b, float* y, int64_t rows, int64_t len,            \
            int64_t strideA, int64_t strideB);                                                              \
  void gateBackward(int nth, int op, const float* a, const float* b, const float* gy, float* da, float* db,   \
                    int64_t rows, int64_t len, int64_t strideA, int64_t strideB, int64_t strideDa,           \
                    int64_t strideDb);                                                                      \
  void ss2dGather(int nth, const float* x, float* out, int b, int c, int h, int w);                          \
  void ss2dMerge(int nth, const float* ys, float* out, int b, int c, int h, int w);                          \
  void binary(int nth, int op, const float* a, const int64_t* sa, const float* b, const int64_t* sb, float* out,  \
              const int64_t* shape, int rank);                                                              \
  void gather(int nth, const float* src, const int64_t* strides, float* out, const int64_t* shape, int rank);  \
  int vectorLanes();                                                                                        \
  double roofline(int nth, int kind, int64_t iters);                                                        \
  }

DM_DECLARE_KERNELS(dm_generic)
DM_DECLARE_KERNELS(dm_avx2)
DM_DECLARE_KERNELS(dm_avx512)
DM_DECLARE_KERNELS(dm_wasm)
