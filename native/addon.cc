// N-API surface of the kernels: plain typed arrays and integers in, new Float32Arrays out.
// Inputs are read in place (no copies); outputs are allocated in JS memory so the GC owns them.
// Shapes are validated by the TypeScript ops; here only the cheap checks that keep every read
// in bounds (array kinds and lengths) — a bad call throws instead of reading past an array.
#include <napi.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <initializer_list>
#include <utility>
#include <mutex>
#include <string>
#include <chrono>
#include <thread>

#include "kernels.h"
#include "pool.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace {

struct Table {
  const char* isa;
  decltype(&dm_generic::matmul) matmul;
  decltype(&dm_generic::conv2d) conv2d;
  decltype(&dm_generic::conv2dBackwardInput) conv2dBackwardInput;
  decltype(&dm_generic::conv2dBackwardWeight) conv2dBackwardWeight;
  decltype(&dm_generic::channelNorm) channelNorm;
  decltype(&dm_generic::channelNormBackward) channelNormBackward;
  decltype(&dm_generic::scan) scan;
  decltype(&dm_generic::scanBackward) scanBackward;
  decltype(&dm_generic::unary) unary;
  decltype(&dm_generic::unaryBackward) unaryBackward;
  decltype(&dm_generic::gate) gate;
  decltype(&dm_generic::gateBackward) gateBackward;
  decltype(&dm_generic::ss2dGather) ss2dGather;
  decltype(&dm_generic::ss2dMerge) ss2dMerge;
  decltype(&dm_generic::binary) binary;
  decltype(&dm_generic::gather) gather;
  decltype(&dm_generic::roofline) roofline;
};

#define DM_TABLE(NS, NAME)                                                                                    \
  Table {                                                                                                     \
    NAME, NS::matmul, NS::conv2d, NS::conv2dBackwardInput, NS::conv2dBackwardWeight, NS::channelNorm,         \
        NS::channelNormBackward, NS::scan, NS::scanBackward, NS::unary, NS::unaryBackward, NS::gate,          \
        NS::gateBackward, NS::ss2dGather, NS::ss2dMerge, NS::binary, NS::gather, NS::roofline                 \
  }

const Table genericTable = DM_TABLE(dm_generic, "generic");
const Table avx2Table = DM_TABLE(dm_avx2, "avx2");
const Table avx512Table = DM_TABLE(dm_avx512, "avx512");

bool cpuHasAvx2() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

bool cpuHasAvx512() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return cpuHasAvx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
#else
  return false;
#endif
}

const Table* active = cpuHasAvx512() ? &avx512Table : cpuHasAvx2() ? &avx2Table : &genericTable;

// Kernels share scratch memory and the thread pool: one call at a time per process.
std::mutex callMutex;

constexpr int kMaxThreads = 64;

int hardwareThreads() {
  unsigned h = std::thread::hardware_concurrency();
  return h == 0 ? 1 : static_cast<int>(h);
}

class Args {
 public:
  Args(const Napi::CallbackInfo& info, const char* fn) : info_(info), fn_(fn) {}

  [[noreturn]] void fail(const std::string& msg) const {
    throw Napi::TypeError::New(info_.Env(), std::string("diffmamba_native.") + fn_ + ": " + msg);
  }

  int64_t integer(size_t i, const char* name, int64_t min = 0) const {
    if (i >= info_.Length() || !info_[i].IsNumber()) fail(std::string(name) + " must be a number");
    double v = info_[i].As<Napi::Number>().DoubleValue();
    if (!(v >= static_cast<double>(min)) || v > 9.0e15 || v != static_cast<double>(static_cast<int64_t>(v)))
      fail(std::string(name) + " must be an integer >= " + std::to_string(min));
    return static_cast<int64_t>(v);
  }

  int int32(size_t i, const char* name, int64_t min = 0) const {
    int64_t v = integer(i, name, min);
    if (v > INT32_MAX) fail(std::string(name) + " is too large");
    return static_cast<int>(v);
  }

  bool boolean(size_t i, const char* name) const {
    if (i >= info_.Length() || !info_[i].IsBoolean()) fail(std::string(name) + " must be a boolean");
    return info_[i].As<Napi::Boolean>().Value();
  }

  double number(size_t i, const char* name) const {
    if (i >= info_.Length() || !info_[i].IsNumber()) fail(std::string(name) + " must be a number");
    return info_[i].As<Napi::Number>().DoubleValue();
  }

  /** A Float32Array of at least `need` elements (null allowed when optional). */
  const float* f32(size_t i, const char* name, int64_t need, bool optional = false) const {
    if (i >= info_.Length()) fail(std::string(name) + " is missing");
    Napi::Value v = info_[i];
    if (optional && (v.IsNull() || v.IsUndefined())) return nullptr;
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
      fail(std::string(name) + " must be a Float32Array");
    auto a = v.As<Napi::Float32Array>();
    if (static_cast<int64_t>(a.ElementLength()) < need)
      fail(std::string(name) + " has " + std::to_string(a.ElementLength()) + " elements, the call needs " +
           std::to_string(need));
    return a.Data();
  }

  int threads(size_t i) const {
    int t = int32(i, "threads", 0);
    if (t == 0) t = hardwareThreads();
    return t > kMaxThreads ? kMaxThreads : t;
  }

 private:
  const Napi::CallbackInfo& info_;
  const char* fn_;
};

// Results are allocated as Node Buffers: V8 owns and frees them like any array, but unlike
// Float32Array::New the memory is not zeroed (every kernel writes all of its outputs) and comes
// from malloc, which reuses freed blocks instead of mapping and faulting in fresh pages: for a
// 16 MB result that saves ~2 ms, as long as the kernel that fills it.
// Tests set poisonOutputs to pre-fill every result with NaN, so a kernel that leaves part of
// an output unwritten shows up in their comparisons.
bool poisonOutputs = false;

Napi::Float32Array out(Napi::Env env, int64_t len) {
  const size_t n = static_cast<size_t>(len);
  auto buffer = Napi::Buffer<float>::New(env, n);
  if (poisonOutputs) std::fill_n(buffer.Data(), n, std::numeric_limits<float>::quiet_NaN());
  return Napi::Float32Array::New(env, n, buffer.ArrayBuffer(), buffer.ByteOffset());
}

/** A plain object of named results, e.g. { y, mean, rstd }. */
Napi::Object fields(Napi::Env env, std::initializer_list<std::pair<const char*, Napi::Value>> kv) {
  Napi::Object r = Napi::Object::New(env);
  for (const auto& [name, value] : kv) r.Set(name, value);
  return r;
}

// matmul(threads, a, b, batch, m, k, n, transA, transB, strideA, strideB, into, accumulate, strideC) -> C
// (into, or a new array when into is null)
Napi::Value Matmul(const Napi::CallbackInfo& info) {
  Args a(info, "matmul");
  int nth = a.threads(0);
  int batch = a.int32(3, "batch"), m = a.int32(4, "m"), k = a.int32(5, "k"), n = a.int32(6, "n");
  bool ta = a.boolean(7, "transA"), tb = a.boolean(8, "transB");
  int64_t sa = a.integer(9, "strideA"), sb = a.integer(10, "strideB");
  int64_t needA = batch > 0 ? (batch - 1) * sa + static_cast<int64_t>(m) * k : 0;
  int64_t needB = batch > 0 ? (batch - 1) * sb + static_cast<int64_t>(k) * n : 0;
  const float* pa = a.f32(1, "a", needA);
  const float* pb = a.f32(2, "b", needB);
  const bool acc = a.boolean(12, "accumulate");
  const int64_t sc = a.integer(13, "strideC");
  if (sc < static_cast<int64_t>(m) * n) a.fail("strideC must be at least m·n");
  Napi::Float32Array c;
  if (info[11].IsNull() || info[11].IsUndefined()) {
    if (acc) a.fail("accumulate needs an into array");
    c = out(info.Env(), batch > 0 ? (batch - 1) * sc + static_cast<int64_t>(m) * n : 0);
  } else {
    const int64_t needC = batch > 0 ? (batch - 1) * sc + static_cast<int64_t>(m) * n : 0;
    const float* pc = a.f32(11, "into", needC);
    // the kernel reads a and b while it writes C: an overlap would read half-written results
    auto overlaps = [&](const float* p, int64_t len) { return len > 0 && needC > 0 && p < pc + needC && pc < p + len; };
    if (overlaps(pa, needA) || overlaps(pb, needB)) a.fail("into must not overlap a or b");
    c = info[11].As<Napi::Float32Array>();
  }
  std::lock_guard<std::mutex> lock(callMutex);
  active->matmul(nth, pa, pb, c.Data(), batch, m, k, n, ta, tb, sa, sb, sc, acc);
  return c;
}

DmConvShape convShape(const Args& a, size_t i) {
  DmConvShape s{};
  s.n = a.int32(i, "n");
  s.c = a.int32(i + 1, "c", 1);
  s.h = a.int32(i + 2, "h");
  s.w = a.int32(i + 3, "w");
  s.o = a.int32(i + 4, "o", 1);
  s.kh = a.int32(i + 5, "kh", 1);
  s.kw = a.int32(i + 6, "kw", 1);
  s.padH = a.int32(i + 7, "padH");
  s.padW = a.int32(i + 8, "padW");
  s.groups = a.int32(i + 9, "groups", 1);
  s.oh = a.int32(i + 10, "oh");
  s.ow = a.int32(i + 11, "ow");
  if (s.c % s.groups != 0 || s.o % s.groups != 0) a.fail("groups must divide c and o");
  if (s.oh != s.h + 2 * s.padH - s.kh + 1 || s.ow != s.w + 2 * s.padW - s.kw + 1)
    a.fail("oh/ow do not match h, w, kernel and padding");
  return s;
}

int64_t xLen(const DmConvShape& s) { return static_cast<int64_t>(s.n) * s.c * s.h * s.w; }
int64_t yLen(const DmConvShape& s) { return static_cast<int64_t>(s.n) * s.o * s.oh * s.ow; }
int64_t wLen(const DmConvShape& s) { return static_cast<int64_t>(s.o) * (s.c / s.groups) * s.kh * s.kw; }

// conv2d(threads, x, w, bias|null, n, c, h, w, o, kh, kw, padH, padW, groups, oh, ow)
Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  Args a(info, "conv2d");
  int nth = a.threads(0);
  DmConvShape s = convShape(a, 4);
  const float* x = a.f32(1, "x", xLen(s));
  const float* w = a.f32(2, "w", wLen(s));
  const float* bias = a.f32(3, "bias", s.o, true);
  auto y = out(info.Env(), yLen(s));
  std::lock_guard<std::mutex> lock(callMutex);
  active->conv2d(nth, x, w, bias, y.Data(), s);
  return y;
}

// conv2dBackwardInput(threads, gy, w, n, c, h, w, o, kh, kw, padH, padW, groups, oh, ow)
Napi::Value Conv2dBackwardInput(const Napi::CallbackInfo& info) {
  Args a(info, "conv2dBackwardInput");
  int nth = a.threads(0);
  DmConvShape s = convShape(a, 3);
  const float* gy = a.f32(1, "gy", yLen(s));
  const float* w = a.f32(2, "w", wLen(s));
  auto gx = out(info.Env(), xLen(s));
  std::lock_guard<std::mutex> lock(callMutex);
  active->conv2dBackwardInput(nth, gy, w, gx.Data(), s);
  return gx;
}

// conv2dBackwardWeight(threads, gy, x, n, c, h, w, o, kh, kw, padH, padW, groups, oh, ow)
Napi::Value Conv2dBackwardWeight(const Napi::CallbackInfo& info) {
  Args a(info, "conv2dBackwardWeight");
  int nth = a.threads(0);
  DmConvShape s = convShape(a, 3);
  const float* gy = a.f32(1, "gy", yLen(s));
  const float* x = a.f32(2, "x", xLen(s));
  auto gw = out(info.Env(), wLen(s));
  std::lock_guard<std::mutex> lock(callMutex);
  active->conv2dBackwardWeight(nth, gy, x, gw.Data(), s);
  return gw;
}

// channelNorm(threads, x, weight, bias|null, n, c, hw, eps, subtractMean) -> { y, mean, rstd }
Napi::Value ChannelNorm(const Napi::CallbackInfo& info) {
  Args a(info, "channelNorm");
  int nth = a.threads(0);
  int n = a.int32(4, "n"), c = a.int32(5, "c", 1);
  int64_t hw = a.integer(6, "hw");
  float eps = static_cast<float>(a.number(7, "eps"));
  bool sub = a.boolean(8, "subtractMean");
  const float* x = a.f32(1, "x", n * c * hw);
  const float* w = a.f32(2, "weight", c);
  const float* bias = a.f32(3, "bias", c, true);
  Napi::Env env = info.Env();
  auto y = out(env, n * c * hw), mean = out(env, n * hw), rstd = out(env, n * hw);
  {
    std::lock_guard<std::mutex> lock(callMutex);
    active->channelNorm(nth, x, w, bias, y.Data(), mean.Data(), rstd.Data(), n, c, hw, eps, sub);
  }
  return fields(env, {{"y", y}, {"mean", mean}, {"rstd", rstd}});
}

// channelNormBackward(threads, gy, x, weight, mean, rstd, n, c, hw, subtractMean) -> { dx, dweight, dbias }
Napi::Value ChannelNormBackward(const Napi::CallbackInfo& info) {
  Args a(info, "channelNormBackward");
  int nth = a.threads(0);
  int n = a.int32(6, "n"), c = a.int32(7, "c", 1);
  int64_t hw = a.integer(8, "hw");
  bool sub = a.boolean(9, "subtractMean");
  const float* gy = a.f32(1, "gy", n * c * hw);
  const float* x = a.f32(2, "x", n * c * hw);
  const float* w = a.f32(3, "weight", c);
  const float* mean = a.f32(4, "mean", n * hw);
  const float* rstd = a.f32(5, "rstd", n * hw);
  Napi::Env env = info.Env();
  auto dx = out(env, n * c * hw), dw = out(env, c), db = out(env, c);
  {
    std::lock_guard<std::mutex> lock(callMutex);
    active->channelNormBackward(nth, gy, x, w, mean, rstd, dx.Data(), dw.Data(), db.Data(), n, c, hw, sub);
  }
  return fields(env, {{"dx", dx}, {"dweight", dw}, {"dbias", db}});
}

struct ScanCall {
  DmScanShape s;
  DmScanIn in;
  int64_t ch, rows, bcLen, nChunks;
};

// (…, u, delta, A, B, C, D, deltaBias) at i0 … i0+6, then b, groups, d, n, L, chunk, bcStride at i0+7 …
ScanCall scanArgs(const Args& a, size_t i0) {
  ScanCall r{};
  size_t j = i0 + 7;
  r.s.b = a.int32(j, "b");
  r.s.groups = a.int32(j + 1, "groups", 1);
  r.s.d = a.int32(j + 2, "d");
  r.s.n = a.int32(j + 3, "n");
  r.s.L = a.int32(j + 4, "L");
  r.s.chunk = a.int32(j + 5, "chunk", 1);
  const int64_t block = static_cast<int64_t>(r.s.n) * r.s.L;
  r.s.bcStride = a.integer(j + 6, "bcStride", block);
  r.ch = static_cast<int64_t>(r.s.groups) * r.s.d;
  r.rows = r.s.b * r.ch * r.s.L;
  r.bcLen = static_cast<int64_t>(r.s.b) * r.s.groups * block;
  const int64_t blocks = static_cast<int64_t>(r.s.b) * r.s.groups;
  const int64_t bcSpan = blocks > 0 ? (blocks - 1) * r.s.bcStride + block : 0;
  r.nChunks = (r.s.L + r.s.chunk - 1) / r.s.chunk;
  r.in.u = a.f32(i0, "u", r.rows);
  r.in.delta = a.f32(i0 + 1, "delta", r.rows);
  r.in.A = a.f32(i0 + 2, "A", r.ch * r.s.n);
  r.in.B = a.f32(i0 + 3, "B", bcSpan);
  r.in.C = a.f32(i0 + 4, "C", bcSpan);
  r.in.D = a.f32(i0 + 5, "D", r.ch);
  r.in.deltaBias = a.f32(i0 + 6, "deltaBias", r.ch);
  return r;
}

// scan(threads, u, delta, A, B, C, D, deltaBias, b, groups, d, n, L, chunk, bcStride) -> { y, states }
Napi::Value Scan(const Napi::CallbackInfo& info) {
  Args a(info, "scan");
  int nth = a.threads(0);
  ScanCall c = scanArgs(a, 1);
  Napi::Env env = info.Env();
  auto y = out(env, c.rows);
  auto states = out(env, c.s.b * c.ch * c.nChunks * c.s.n);
  {
    std::lock_guard<std::mutex> lock(callMutex);
    active->scan(nth, c.in, y.Data(), states.Data(), c.s);
  }
  return fields(env, {{"y", y}, {"states", states}});
}

// scanBackward(threads, u, delta, A, B, C, D, deltaBias, b, groups, d, n, L, chunk, bcStride, states, gy) -> grads
Napi::Value ScanBackward(const Napi::CallbackInfo& info) {
  Args a(info, "scanBackward");
  int nth = a.threads(0);
  ScanCall c = scanArgs(a, 1);
  const float* states = a.f32(15, "states", c.s.b * c.ch * c.nChunks * c.s.n);
  const float* gy = a.f32(16, "gy", c.rows);
  Napi::Env env = info.Env();
  auto du = out(env, c.rows), ddelta = out(env, c.rows), dA = out(env, c.ch * c.s.n), dB = out(env, c.bcLen),
       dC = out(env, c.bcLen), dD = out(env, c.ch), dDeltaBias = out(env, c.ch);
  DmScanGrads g{du.Data(), ddelta.Data(), dA.Data(), dB.Data(), dC.Data(), dD.Data(), dDeltaBias.Data()};
  {
    std::lock_guard<std::mutex> lock(callMutex);
    active->scanBackward(nth, c.in, states, gy, g, c.s);
  }
  return fields(env, {{"du", du}, {"ddelta", ddelta}, {"dA", dA}, {"dB", dB}, {"dC", dC}, {"dD", dD}, {"dDeltaBias", dDeltaBias}});
}

constexpr int kUnaryOps = 5;

// unary(threads, op, x) -> y
Napi::Value Unary(const Napi::CallbackInfo& info) {
  Args a(info, "unary");
  int nth = a.threads(0);
  int op = a.int32(1, "op");
  if (op >= kUnaryOps) a.fail("unknown op");
  if (info.Length() < 3 || !info[2].IsTypedArray()) a.fail("x must be a Float32Array");
  int64_t len = static_cast<int64_t>(info[2].As<Napi::TypedArray>().ElementLength());
  const float* x = a.f32(2, "x", len);
  auto y = out(info.Env(), len);
  std::lock_guard<std::mutex> lock(callMutex);
  active->unary(nth, op, x, y.Data(), len);
  return y;
}

// unaryBackward(threads, op, x, y|null, gy) -> gx
Napi::Value UnaryBackward(const Napi::CallbackInfo& info) {
  Args a(info, "unaryBackward");
  int nth = a.threads(0);
  int op = a.int32(1, "op");
  if (op >= kUnaryOps) a.fail("unknown op");
  if (info.Length() < 5 || !info[4].IsTypedArray()) a.fail("gy must be a Float32Array");
  int64_t len = static_cast<int64_t>(info[4].As<Napi::TypedArray>().ElementLength());
  const float* x = a.f32(2, "x", len);
  const float* y = a.f32(3, "y", len, true);
  const float* gy = a.f32(4, "gy", len);
  auto gx = out(info.Env(), len);
  std::lock_guard<std::mutex> lock(callMutex);
  active->unaryBackward(nth, op, x, y, gy, gx.Data(), len);
  return gx;
}

struct GateCall {
  int op;
  int64_t rows, len, sa, sb;
  const float *a, *b;
};

// (op, a, b, rows, len, strideA, strideB) at i0 … i0+6
GateCall gateArgs(const Args& a, size_t i0) {
  GateCall g{};
  g.op = a.int32(i0, "op");
  if (g.op >= kUnaryOps) a.fail("unknown op");
  g.rows = a.integer(i0 + 3, "rows");
  g.len = a.integer(i0 + 4, "len");
  g.sa = a.integer(i0 + 5, "strideA");
  g.sb = a.integer(i0 + 6, "strideB");
  if (g.rows > 1 && (g.sa < g.len || g.sb < g.len)) a.fail("strides must be at least len");
  int64_t needA = g.rows > 0 ? (g.rows - 1) * g.sa + g.len : 0;
  int64_t needB = g.rows > 0 ? (g.rows - 1) * g.sb + g.len : 0;
  g.a = a.f32(i0 + 1, "a", needA);
  g.b = a.f32(i0 + 2, "b", needB);
  return g;
}

// gate(threads, op, a, b, rows, len, strideA, strideB) -> y (rows·len) = act(a)·b
Napi::Value Gate(const Napi::CallbackInfo& info) {
  Args a(info, "gate");
  int nth = a.threads(0);
  GateCall g = gateArgs(a, 1);
  auto y = out(info.Env(), g.rows * g.len);
  std::lock_guard<std::mutex> lock(callMutex);
  active->gate(nth, g.op, g.a, g.b, y.Data(), g.rows, g.len, g.sa, g.sb);
  return y;
}

// gateBackward(threads, op, a, b, rows, len, strideA, strideB, gy, packed) -> { da, db }
// packed: one array dx (rows, 2·len) with da in the first half of each row and db in the second.
Napi::Value GateBackward(const Napi::CallbackInfo& info) {
  Args a(info, "gateBackward");
  int nth = a.threads(0);
  GateCall g = gateArgs(a, 1);
  const float* gy = a.f32(8, "gy", g.rows * g.len);
  bool packed = a.boolean(9, "packed");
  Napi::Env env = info.Env();
  if (packed) {
    auto dx = out(env, 2 * g.rows * g.len);
    {
      std::lock_guard<std::mutex> lock(callMutex);
      active->gateBackward(nth, g.op, g.a, g.b, gy, dx.Data(), dx.Data() + g.len, g.rows, g.len, g.sa, g.sb,
                           2 * g.len, 2 * g.len);
    }
    return fields(env, {{"dx", dx}});
  }
  auto da = out(env, g.rows * g.len), db = out(env, g.rows * g.len);
  {
    std::lock_guard<std::mutex> lock(callMutex);
    active->gateBackward(nth, g.op, g.a, g.b, gy, da.Data(), db.Data(), g.rows, g.len, g.sa, g.sb, g.len, g.len);
  }
  return fields(env, {{"da", da}, {"db", db}});
}

// ss2dGather(threads, x, b, c, h, w) -> (b, 4c, h·w); ss2dMerge(threads, ys, b, c, h, w) -> (b, c, h, w)
Napi::Value Ss2d(const Napi::CallbackInfo& info, bool gather) {
  Args a(info, gather ? "ss2dGather" : "ss2dMerge");
  int nth = a.threads(0);
  int b = a.int32(2, "b"), c = a.int32(3, "c"), h = a.int32(4, "h"), w = a.int32(5, "w");
  int64_t plane = static_cast<int64_t>(b) * c * h * w;
  const float* x = a.f32(1, gather ? "x" : "ys", gather ? plane : 4 * plane);
  auto y = out(info.Env(), gather ? 4 * plane : plane);
  std::lock_guard<std::mutex> lock(callMutex);
  if (gather)
    active->ss2dGather(nth, x, y.Data(), b, c, h, w);
  else
    active->ss2dMerge(nth, x, y.Data(), b, c, h, w);
  return y;
}
Napi::Value Ss2dGather(const Napi::CallbackInfo& info) { return Ss2d(info, true); }
Napi::Value Ss2dMerge(const Napi::CallbackInfo& info) { return Ss2d(info, false); }

constexpr int kMaxStridedRank = 16;

/** Reads a Float64Array of integers (a shape or strides) into dst; returns its length. */
int intArray(const Args& a, const Napi::CallbackInfo& info, size_t i, const char* name, int64_t* dst, int64_t min) {
  if (i >= info.Length() || !info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    a.fail(std::string(name) + " must be a Float64Array");
  auto arr = info[i].As<Napi::Float64Array>();
  if (arr.ElementLength() > static_cast<size_t>(kMaxStridedRank)) a.fail(std::string(name) + " has more than 16 axes");
  for (size_t k = 0; k < arr.ElementLength(); k++) {
    double v = arr[k];
    if (!(v >= static_cast<double>(min)) || v > 9.0e15 || v != static_cast<double>(static_cast<int64_t>(v)))
      a.fail(std::string(name) + " must hold integers >= " + std::to_string(min));
    dst[k] = static_cast<int64_t>(v);
  }
  return static_cast<int>(arr.ElementLength());
}

/** The element count of `shape` and, through lo/hi, the lowest and highest element a view reads (none when empty). */
int64_t viewSpan(const int64_t* shape, const int64_t* strides, int rank, int64_t offset, int64_t& lo, int64_t& hi) {
  int64_t n = 1;
  lo = hi = offset;
  for (int k = 0; k < rank; k++) {
    n *= shape[k];
    const int64_t reach = (shape[k] - 1) * strides[k];
    if (reach < 0) lo += reach; else hi += reach;
  }
  return n;
}

const float* viewData(const Args& a, size_t i, const char* name, const int64_t* shape, const int64_t* strides, int rank,
                      int64_t offset, int64_t& count) {
  int64_t lo, hi;
  count = viewSpan(shape, strides, rank, offset, lo, hi);
  if (count == 0) return a.f32(i, name, 0);
  if (lo < 0) a.fail(std::string(name) + ": the view starts before the array");
  return a.f32(i, name, hi + 1);
}

// binary(threads, op, a, aStrides, b, bStrides, shape) -> dense (shape) = a ⊙ b; Float64Array sizes
Napi::Value Binary(const Napi::CallbackInfo& info) {
  Args a(info, "binary");
  int nth = a.threads(0);
  int op = a.int32(1, "op");
  if (op > 3) a.fail("op must be 0..3 (add, sub, mul, div)");
  int64_t shape[kMaxStridedRank], sa[kMaxStridedRank], sb[kMaxStridedRank];
  int rank = intArray(a, info, 6, "shape", shape, 0);
  if (intArray(a, info, 3, "aStrides", sa, 0) != rank || intArray(a, info, 5, "bStrides", sb, 0) != rank)
    a.fail("shape and strides must have the same length");
  int64_t count;
  const float* x = viewData(a, 2, "a", shape, sa, rank, 0, count);
  const float* y = viewData(a, 4, "b", shape, sb, rank, 0, count);
  auto r = out(info.Env(), count);
  std::lock_guard<std::mutex> lock(callMutex);
  active->binary(nth, op, x, sa, y, sb, r.Data(), shape, rank);
  return r;
}

// roofline(threads, kind, ms) -> operations per second of a micro-kernel run for about ms
// milliseconds on every thread: kind 0 = fp32 FMA peak (FLOP/s), 1 = the scan's bound (updates/s)
Napi::Value Roofline(const Napi::CallbackInfo& info) {
  Args a(info, "roofline");
  int nth = a.threads(0);
  int kind = a.int32(1, "kind");
  if (kind > 1) a.fail("kind must be 0 (FMA peak) or 1 (scan bound)");
  double ms = a.number(2, "ms");
  std::lock_guard<std::mutex> lock(callMutex);
  int64_t iters = 1 << 16;
  for (;;) {
    auto t0 = std::chrono::steady_clock::now();
    double ops = active->roofline(nth, kind, iters);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (s * 1e3 >= ms || iters > (int64_t(1) << 40)) return Napi::Number::New(info.Env(), ops / s);
    iters *= s > 1e-4 ? static_cast<int64_t>(1 + ms / (s * 1e3)) : 8;
  }
}

// gather(threads, src, shape, strides, offset) -> dense copy of the strided view; Float64Array sizes
Napi::Value Gather(const Napi::CallbackInfo& info) {
  Args a(info, "gather");
  int nth = a.threads(0);
  int64_t shape[kMaxStridedRank], st[kMaxStridedRank];
  int rank = intArray(a, info, 2, "shape", shape, 0);
  if (intArray(a, info, 3, "strides", st, -(int64_t(1) << 52)) != rank) a.fail("shape and strides must have the same length");
  int64_t offset = a.integer(4, "offset", 0), count;
  const float* src = viewData(a, 1, "src", shape, st, rank, offset, count);
  auto r = out(info.Env(), count);
  std::lock_guard<std::mutex> lock(callMutex);
  active->gather(nth, src + offset, st, r.Data(), shape, rank);
  return r;
}

// isa() -> 'avx512' | 'avx2' | 'generic'; setIsa(name) -> boolean (false when the CPU lacks it). For tests.
Napi::Value Isa(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), active->isa); }

Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  std::string want = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  const std::pair<const Table*, bool> choices[] = {{&genericTable, true}, {&avx2Table, cpuHasAvx2()}, {&avx512Table, cpuHasAvx512()}};
  std::lock_guard<std::mutex> lock(callMutex);
  for (const auto& [table, supported] : choices) {
    if (want == table->isa && supported) {
      active = table;
      return Napi::Boolean::New(info.Env(), true);
    }
  }
  return Napi::Boolean::New(info.Env(), false);
}

bool cpuHasBf16() {
#if defined(__x86_64__) || defined(__i386__)
  return cpuHasAvx512() && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512bf16");
#else
  return false;
#endif
}

// precision() -> 'fp32' | 'bf16' (what the matrix products and convolutions compute in);
// setPrecision(name) -> boolean (false: bf16 needs a CPU with AVX512_BF16 and the avx512 kernels in use).
Napi::Value Precision(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), dm_gemm_bf16 && active == &avx512Table ? "bf16" : "fp32");
}

Napi::Value SetPrecision(const Napi::CallbackInfo& info) {
  std::string want = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  std::lock_guard<std::mutex> lock(callMutex);
  if (want == "fp32") {
    dm_gemm_bf16 = 0;
    return Napi::Boolean::New(info.Env(), true);
  }
  if (want == "bf16" && cpuHasBf16() && active == &avx512Table) {
    dm_gemm_bf16 = 1;
    return Napi::Boolean::New(info.Env(), true);
  }
  return Napi::Boolean::New(info.Env(), false);
}

// setPoisonOutputs(on): pre-fill every result with NaN (see out()). For tests.
Napi::Value SetPoisonOutputs(const Napi::CallbackInfo& info) {
  poisonOutputs = info.Length() > 0 && info[0].ToBoolean().Value();
  return info.Env().Undefined();
}

// empty(length) -> an uninitialised Float32Array (from out(): reused heap, NaN under poisonOutputs)
Napi::Value Empty(const Napi::CallbackInfo& info) {
  Args a(info, "empty");
  const int64_t len = a.integer(0, "length");
  if (len > (int64_t{1} << 34)) a.fail("length is too large");
  return out(info.Env(), len);
}

// releaseMemory() -> { scratchBytes, trimmed }: frees the kernels' scratch buffers (they grow back
// on the next call that needs them) and, under glibc, hands free heap back to the system with
// malloc_trim (tuneMalloc below otherwise keeps up to 1 GB of it for the next network call).
// Safe between any two calls; the next call is a little slower while the memory faults back in.
Napi::Value ReleaseMemory(const Napi::CallbackInfo& info) {
  std::lock_guard<std::mutex> lock(callMutex);
  const size_t bytes = dm_release_scratch();
  bool trimmed = false;
#if defined(__GLIBC__)
  trimmed = malloc_trim(0) != 0;
#endif
  Napi::Env env = info.Env();
  return fields(env, {{"scratchBytes", Napi::Number::New(env, static_cast<double>(bytes))}, {"trimmed", Napi::Boolean::New(env, trimmed)}});
}

// glibc serves blocks above its mmap threshold (128 KB at first, raised only as such blocks are
// freed) with fresh mappings and returns freed heap tops to the system, so a network's
// activations, allocated and dropped every call, are faulted in page by page again and again:
// restoring a 256x256 tile spent a third of its time in the kernel (0.93 M page faults). Keeping
// blocks up to 1 GB on the heap (a 512x512 forward of the bundled model has 270 MB activations)
// and 1 GB of free heap before trimming: that tile ~25% faster for ~50 MB more peak memory, the
// 512x512 forward 1.7 M -> 0.5 M page faults. Left alone when the user sets glibc's own variables.
void tuneMalloc() {
#if defined(__GLIBC__)
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") == nullptr && std::getenv("MALLOC_TRIM_THRESHOLD_") == nullptr &&
      std::getenv("DIFF_MAMBA_KEEP_MALLOC") == nullptr) {
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
  }
#endif
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  tuneMalloc();
  exports.Set("matmul", Napi::Function::New(env, Matmul, "matmul"));
  exports.Set("conv2d", Napi::Function::New(env, Conv2d, "conv2d"));
  exports.Set("conv2dBackwardInput", Napi::Function::New(env, Conv2dBackwardInput, "conv2dBackwardInput"));
  exports.Set("conv2dBackwardWeight", Napi::Function::New(env, Conv2dBackwardWeight, "conv2dBackwardWeight"));
  exports.Set("channelNorm", Napi::Function::New(env, ChannelNorm, "channelNorm"));
  exports.Set("channelNormBackward", Napi::Function::New(env, ChannelNormBackward, "channelNormBackward"));
  exports.Set("scan", Napi::Function::New(env, Scan, "scan"));
  exports.Set("scanBackward", Napi::Function::New(env, ScanBackward, "scanBackward"));
  exports.Set("unary", Napi::Function::New(env, Unary, "unary"));
  exports.Set("unaryBackward", Napi::Function::New(env, UnaryBackward, "unaryBackward"));
  exports.Set("gate", Napi::Function::New(env, Gate, "gate"));
  exports.Set("gateBackward", Napi::Function::New(env, GateBackward, "gateBackward"));
  exports.Set("ss2dGather", Napi::Function::New(env, Ss2dGather, "ss2dGather"));
  exports.Set("ss2dMerge", Napi::Function::New(env, Ss2dMerge, "ss2dMerge"));
  exports.Set("binary", Napi::Function::New(env, Binary, "binary"));
  exports.Set("gather", Napi::Function::New(env, Gather, "gather"));
  exports.Set("empty", Napi::Function::New(env, Empty, "empty"));
  exports.Set("roofline", Napi::Function::New(env, Roofline, "roofline"));
  exports.Set("isa", Napi::Function::New(env, Isa, "isa"));
  exports.Set("setIsa", Napi::Function::New(env, SetIsa, "setIsa"));
  exports.Set("precision", Napi::Function::New(env, Precision, "precision"));
  exports.Set("setPrecision", Napi::Function::New(env, SetPrecision, "setPrecision"));
  exports.Set("releaseMemory", Napi::Function::New(env, ReleaseMemory, "releaseMemory"));
  exports.Set("setPoisonOutputs", Napi::Function::New(env, SetPoisonOutputs, "setPoisonOutputs"));
  exports.Set("hardwareThreads", Napi::Number::New(env, hardwareThreads()));
  exports.Set("maxThreads", Napi::Number::New(env, kMaxThreads));
  return exports;
}

}  // namespace

NODE_API_MODULE(diffmamba_native, Init)
