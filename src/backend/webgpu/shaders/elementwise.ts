/**
 * Activations, gates and the SS2D direction gather/merge, as backend/js/elementwise.ts.
 */
import { ACTIVATIONS_WGSL, flatShader } from './common.js';

/** y = act(x). Parameters: total, op. */
export const unaryShader = flatShader({
  read: ['x'],
  write: ['y'],
  helpers: ACTIVATIONS_WGSL,
  body: /* wgsl */ `
  if (i >= p[0]) { return; }
  y[i] = act(p[1], x[i]);`,
});

/** gx = gy·act'(x), with y = act(x) given (hasY) or recomputed. Parameters: total, op, hasY. */
export const unaryBackwardShader = flatShader({
  read: ['x', 'y', 'gy'],
  write: ['gx'],
  helpers: ACTIVATIONS_WGSL,
  body: /* wgsl */ `
  if (i >= p[0]) { return; }
  var yv = y[i];
  if (p[2] == 0u) { yv = act(p[1], x[i]); }
  gx[i] = gy[i] * dact(p[1], x[i], yv);`,
});

/** y (rows, len) = act(a)·b. Parameters: total, op, len, strideA, strideB. */
export const gateShader = flatShader({
  read: ['a', 'b'],
  write: ['y'],
  helpers: ACTIVATIONS_WGSL,
  body: /* wgsl */ `
  if (i >= p[0]) { return; }
  let len = p[2]; let r = i / len; let j = i % len;
  y[i] = act(p[1], a[r * p[3] + j]) * b[r * p[4] + j];`,
});

/**
 * da = gy·b·act'(a) at daOff + r·dStride + j, db = gy·act(a) at dbOff + r·dStride + j, in one
 * array. Parameters: total, op, len, strideA, strideB, daOff, dbOff, dStride.
 */
export const gateBackwardShader = flatShader({
  read: ['a', 'b', 'gy'],
  write: ['d'],
  helpers: ACTIVATIONS_WGSL,
  body: /* wgsl */ `
  if (i >= p[0]) { return; }
  let len = p[2]; let r = i / len; let j = i % len;
  let x = a[r * p[3] + j];
  let y = act(p[1], x);
  d[p[6] + r * p[7] + j] = gy[i] * y;
  d[p[5] + r * p[7] + j] = (gy[i] * b[r * p[4] + j]) * dact(p[1], x, y);`,
});

/** The four scan orders of x (b, c, h, w) as (b, 4c, h·w). Parameters: total, c, h, w. */
export const ss2dGatherShader = flatShader({
  read: ['x'],
  write: ['y'],
  body: /* wgsl */ `
  if (i >= p[0]) { return; }
  let c = p[1]; let h = p[2]; let w = p[3]; let L = h * w;
  let l = i % L; let ch = (i / L) % c; let k = (i / (L * c)) % 4u; let bn = i / (L * c * 4u);
  let src = (bn * c + ch) * L;
  var m = l;
  if (k >= 2u) { m = L - 1u - l; }
  if (k == 0u || k == 2u) { y[i] = x[src + m]; } else { y[i] = x[src + (m % h) * w + m / h]; }`,
});

/** The adjoint: (b, 4c, h·w) summed back to (b, c, h, w). Parameters: total, c, h, w. */
export const ss2dMergeShader = flatShader({
  read: ['ys'],
  write: ['y'],
  body: /* wgsl */ `
  if (i >= p[0]) { return; }
  let c = p[1]; let h = p[2]; let w = p[3]; let L = h * w;
  let l = i % L; let ch = (i / L) % c; let bn = i / (L * c);
  let r = l / w; let col = l % w;
  let m = col * h + r;
  let y0 = ((bn * 4u + 0u) * c + ch) * L;
  let y1 = ((bn * 4u + 1u) * c + ch) * L;
  let y2 = ((bn * 4u + 2u) * c + ch) * L;
  let y3 = ((bn * 4u + 3u) * c + ch) * L;
  y[i] = (ys[y1 + m] + ys[y3 + L - 1u - m]) + (ys[y0 + l] + ys[y2 + L - 1u - l]);`,
});
