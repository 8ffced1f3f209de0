/**
 * Elementwise reference kernels: activations, gates act(a)·b and the SS2D direction
 * gather/merge. Double-precision Math.* per element; native/elementwise_impl.inc mirrors them.
 */
import type { GateArgs, Ss2dArgs, UnaryOp } from '../kernels.js';

/** PyTorch's softplus: log(1 + e^x), linear above the threshold 20. */
export function softplusScalar(x: number): number {
  return x > 20 ? x : Math.log1p(Math.exp(x));
}

export function sigmoidScalar(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** softplus'(x): the logistic function, 1 above the threshold 20. */
export function softplusGradScalar(x: number): number {
  return x > 20 ? 1 : sigmoidScalar(x);
}

/** erf with |error| < 1.2e-7 (Numerical Recipes' Chebyshev fit of erfc). */
export function erf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - r : r - 1;
}

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Forward maps. */
export const ACTIVATIONS: Record<UnaryOp, (x: number) => number> = {
  exp: Math.exp,
  sigmoid: sigmoidScalar,
  softplus: softplusScalar,
  silu: (x) => x * sigmoidScalar(x),
  gelu: (x) => 0.5 * x * (1 + erf(x * INV_SQRT2)),
};

/** Local derivatives dy/dx given x and y = act(x). */
export const DERIVATIVES: Record<UnaryOp, (x: number, y: number) => number> = {
  exp: (_x, y) => y,
  sigmoid: (_x, y) => y * (1 - y),
  softplus: softplusGradScalar,
  silu: (x) => {
    const s = sigmoidScalar(x);
    return s * (1 + x * (1 - s));
  },
  gelu: (x) => 0.5 * (1 + erf(x * INV_SQRT2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x),
};

export function unary(op: UnaryOp, x: Float32Array): Float32Array {
  const f = ACTIVATIONS[op];
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]);
  return out;
}

export function unaryBackward(op: UnaryOp, x: Float32Array, y: Float32Array | null, gy: Float32Array): Float32Array {
  const f = ACTIVATIONS[op];
  const df = DERIVATIVES[op];
  const gx = new Float32Array(gy.length);
  for (let i = 0; i < gy.length; i++) gx[i] = gy[i] * df(x[i], y ? y[i] : Math.fround(f(x[i])));
  return gx;
}

export function gate(op: UnaryOp, a: Float32Array, b: Float32Array, args: GateArgs): Float32Array {
  const f = ACTIVATIONS[op];
  const { rows, len, strideA, strideB } = args;
  const out = new Float32Array(rows * len);
  for (let r = 0; r < rows; r++) {
    const ao = r * strideA;
    const bo = r * strideB;
    const oo = r * len;
    // the activation is rounded to float32 before the product, as a separate op would
    for (let j = 0; j < len; j++) out[oo + j] = Math.fround(f(a[ao + j])) * b[bo + j];
  }
  return out;
}

function gateBack(
  op: UnaryOp, a: Float32Array, b: Float32Array, gy: Float32Array, args: GateArgs,
  da: Float32Array, db: Float32Array, daOff: number, dbOff: number, dStride: number,
): void {
  const f = ACTIVATIONS[op];
  const df = DERIVATIVES[op];
  const { rows, len, strideA, strideB } = args;
  for (let r = 0; r < rows; r++) {
    const ao = r * strideA;
    const bo = r * strideB;
    const go = r * len;
    const d0 = daOff + r * dStride;
    const d1 = dbOff + r * dStride;
    for (let j = 0; j < len; j++) {
      const x = a[ao + j];
      const act = Math.fround(f(x));
      db[d1 + j] = gy[go + j] * act;
      da[d0 + j] = Math.fround(gy[go + j] * b[bo + j]) * df(x, act);
    }
  }
}

export function gateBackward(op: UnaryOp, a: Float32Array, b: Float32Array, gy: Float32Array, args: GateArgs): { da: Float32Array; db: Float32Array } {
  const da = new Float32Array(args.rows * args.len);
  const db = new Float32Array(args.rows * args.len);
  gateBack(op, a, b, gy, args, da, db, 0, 0, args.len);
  return { da, db };
}

export function gateBackwardPacked(op: UnaryOp, a: Float32Array, b: Float32Array, gy: Float32Array, args: GateArgs): Float32Array {
  const dx = new Float32Array(2 * args.rows * args.len);
  gateBack(op, a, b, gy, args, dx, dx, 0, args.len, 2 * args.len);
  return dx;
}

export function ss2dGather(x: Float32Array, args: Ss2dArgs): Float32Array {
  const { b, c, h, w } = args;
  const L = h * w;
  const out = new Float32Array(4 * b * c * L);
  for (let bi = 0; bi < b; bi++) {
    for (let ch = 0; ch < c; ch++) {
      const src = (bi * c + ch) * L;
      const o0 = ((bi * 4 + 0) * c + ch) * L;
      const o1 = ((bi * 4 + 1) * c + ch) * L;
      const o2 = ((bi * 4 + 2) * c + ch) * L;
      const o3 = ((bi * 4 + 3) * c + ch) * L;
      out.set(x.subarray(src, src + L), o0);
      for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) out[o1 + j * h + i] = x[src + i * w + j];
      for (let l = 0; l < L; l++) {
        out[o2 + l] = x[src + L - 1 - l];
        out[o3 + l] = out[o1 + L - 1 - l];
      }
    }
  }
  return out;
}

export function ss2dMerge(ys: Float32Array, args: Ss2dArgs): Float32Array {
  const { b, c, h, w } = args;
  const L = h * w;
  const out = new Float32Array(b * c * L);
  for (let bi = 0; bi < b; bi++) {
    for (let ch = 0; ch < c; ch++) {
      const o = (bi * c + ch) * L;
      const y0 = ((bi * 4 + 0) * c + ch) * L;
      const y1 = ((bi * 4 + 1) * c + ch) * L;
      const y2 = ((bi * 4 + 2) * c + ch) * L;
      const y3 = ((bi * 4 + 3) * c + ch) * L;
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < w; j++) {
          const l = i * w + j;
          const m = j * h + i;
          // the same association as the native kernel: (y1 + rev y3) + (y0 + rev y2)
          out[o + l] = Math.fround(ys[y1 + m] + ys[y3 + L - 1 - m]) + Math.fround(ys[y0 + l] + ys[y2 + L - 1 - l]);
        }
      }
    }
  }
  return out;
}
