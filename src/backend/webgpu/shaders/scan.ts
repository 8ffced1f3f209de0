/**
 * The selective scan, as backend/js/scan.ts. Forward: one thread per (batch, channel) with its
 * n states in registers, or, for sequences of several chunks, the chunks in parallel (below).
 * Backward, three passes, or for several chunks their chunk-parallel forms (below):
 *   1. per (batch, channel): du, ddelta, and partial sums of dA, dD, dDeltaBias, recomputing each
 *      chunk's states from the saved ones into scratch, then running the chunk in reverse;
 *   2. per (batch, group, state): dB and dC, summed over the group's channels (each state's
 *      recurrence is its own, so the thread that owns an entry of dB and dC computes all of it);
 *   3. the partial sums reduced over the batch.
 * Shared parameters: total, b, groups, d, n, L, chunk, bcStride, cOffset (where C starts in its
 * array: B and C are bound as one array `bc`).
 * `consts` is [A (K·d, n) | D (K·d) | deltaBias (K·d)].
 */
import { ACTIVATIONS_WGSL, flatShader } from './common.js';

/** Most states per channel the shaders hold in registers. */
export const SCAN_MAX_STATES = 64;

const SIZES = /* wgsl */ `
  let b = p[1]; let G = p[2]; let d = p[3]; let n = p[4]; let L = p[5]; let chunk = p[6];
  let bcStride = p[7]; let cOff = p[8];
  let ch = G * d;
  let nChunks = (L + chunk - 1u) / chunk;`;

/** One forward step l of a channel whose sequence starts at `base`: the n states h and y[base + l]. */
const forwardStep = (base: string) => /* wgsl */ `
    let dt = softplus_(delta[${base} + l] + bias);
    let ul = u[${base} + l];
    var yl = Dc * ul;
    for (var s = 0u; s < n; s++) {
      let hs = exp(dt * consts[aRow + s]) * h[s] + dt * bc[bcb + s * L + l] * ul;
      h[s] = hs;
      yl += bc[cOff + bcb + s * L + l] * hs;
    }
    y[${base} + l] = yl;`;

/** Inputs u, delta, consts, bc; outputs y, states. */
export const scanShader = flatShader({
  read: ['u', 'delta', 'consts', 'bc'],
  write: ['y', 'states'],
  helpers: ACTIVATIONS_WGSL,
  body: /* wgsl */ `
  if (i >= p[0]) { return; }${SIZES}
  let bi = i / ch; let c = i % ch; let k = c / d;
  let row = i * L;
  let bcb = (bi * G + k) * bcStride;
  let aRow = c * n;
  let Dc = consts[ch * n + c]; let bias = consts[ch * n + ch + c];
  var h: array<f32, ${SCAN_MAX_STATES}>;
  for (var s = 0u; s < n; s++) { h[s] = 0.0; }
  for (var l = 0u; l < L; l++) {
${forwardStep('row')}
    if (l % chunk == chunk - 1u || l == L - 1u) {
      let so = (i * nChunks + l / chunk) * n;
      for (var s = 0u; s < n; s++) { states[so + s] = h[s]; }
    }
  }`,
});

/*
 * The forward over chunks in parallel, for sequences of several chunks: the recurrence
 * h ← e·h + x is affine in h, so a chunk started from zero gives (Π e, h_local) and the state
 * after the chunk is Π e · h_in + h_local.
 *   A. per (batch·channel, chunk, state): Π e and h_local of the chunk (scratch `part`);
 *   B. per (batch·channel, state): the chunks chained in order, each state after a chunk written
 *      to `states` (what the single-pass shader saves);
 *   C. per (batch·channel, chunk): the chunk's steps again from the state before it, all n
 *      states in registers, writing y.
 * The same inputs and parameters as scanShader.
 */
const CHUNK_STEP = /* wgsl */ `
  let bi = row / ch; let c = row % ch; let k = c / d;
  let bcb = (bi * G + k) * bcStride;
  let aRow = c * n;
  let bias = consts[ch * n + ch + c];
  let l0 = cj * chunk; let l1 = min(L, l0 + chunk);
  let seqBase = row * L;`;

/** Pass A: thread (row, cj, s) → part[((row·nChunks + cj)·n + s)·2 + {0, 1}] = (Π e, h_local). */
export const scanChunkLocalShader = flatShader({
  read: ['u', 'delta', 'consts', 'bc'],
  write: ['part'],
  helpers: ACTIVATIONS_WGSL,
  body: /* wgsl */ `
  if (i >= p[0]) { return; }${SIZES}
  let s = i % n; let cj = (i / n) % nChunks; let row = i / (n * nChunks);${CHUNK_STEP}
  let a = consts[aRow + s];
  var prod = 1.0; var h = 0.0;
  for (var l = l0; l < l1; l++) {
    let dt = softplus_(delta[seqBase + l] + bias);
    let e = exp(dt * a);
    prod *= e;
    h = e * h + dt * bc[bcb + s * L + l] * u[seqBase + l];
  }
  part[2u * i] = prod;
  part[2u * i + 1u] = h;`,
});

/** Pass B: thread (row, s) chains its chunks: states[(row·nChunks + cj)·n + s]. */
export const scanChunkCarryShader = flatShader({
  read: ['part'],
  write: ['states'],
  body: /* wgsl */ `
  if (i >= p[0]) { return; }${SIZES}
  let s = i % n; let row = i / n;
  var h = 0.0;
  for (var cj = 0u; cj < nChunks; cj++) {
    let q = (row * nChunks + cj) * n + s;
    h = part[2u * q] * h + part[2u * q + 1u];
    states[q] = h;
  }`,
});

/** Pass C: thread (row, cj) runs its chunk from the state before it and writes y. */
export const scanChunkOutputShader = flatShader({
  read: ['u', 'delta', 'consts', 'bc', 'states'],
  write: ['y'],
  helpers: ACTIVATIONS_WGSL,
  body: /* wgsl */ `
  if (i >= p[0]) { return; }${SIZES}
  let cj = i % nChunks; let row = i / nChunks;${CHUNK_STEP}
  let Dc = consts[ch * n + c];
  var h: array<f32, ${SCAN_MAX_STATES}>;
  for (var s = 0u; s < n; s++) {
    if (cj == 0u) { h[s] = 0.0; } else { h[s] = states[(row * nChunks + cj - 1u) * n + s]; }
  }
  for (var l = l0; l < l1; l++) {
${forwardStep('seqBase')}
  }`,
});

/*
 * The backward's per-chunk steps, shared by the serial shaders (a thread walks every chunk of
 * its row, last to first, its adjoint `carry` passed on from each chunk to the one before) and
 * the chunk-parallel ones (a thread takes one chunk `ci`, its carry read from the chained
 * chunk adjoints). In scope: r (the (batch, channel) row), row = r·L, ci (i32), the sizes, and
 * for a channel thread bcb, aRow, Dc, bias, total, hb (its chunk + 1 rows of n in `hs`).
 */

/** A channel thread's chunk ci: its states recomputed into hs, then its steps in reverse (du, ddelta, dA, dD, dBias). */
const CHANNEL_CHUNK = /* wgsl */ `
    let l0 = u32(ci) * chunk;
    let l1 = min(L, l0 + chunk);
    for (var s = 0u; s < n; s++) {
      if (ci == 0) { hs[hb + s] = 0.0; } else { hs[hb + s] = states[(r * nChunks + u32(ci) - 1u) * n + s]; }
    }
    for (var l = l0; l < l1; l++) {
      let dt = softplus_(seq[total + row + l] + bias);
      let ul = seq[row + l];
      let prev = hb + (l - l0) * n;
      for (var s = 0u; s < n; s++) {
        hs[prev + n + s] = exp(dt * consts[aRow + s]) * hs[prev + s] + dt * bc[bcb + s * L + l] * ul;
      }
    }
    for (var l = l1; l > l0; l--) {
      let li = l - 1u;
      let g = seq[2u * total + row + li];
      let ul = seq[row + li];
      let x = seq[total + row + li] + bias;
      let dt = softplus_(x);
      let prev = hb + (li - l0) * n;
      dD += g * ul;
      var dul = g * Dc;
      var ddt = 0.0;
      for (var s = 0u; s < n; s++) {
        let a = consts[aRow + s];
        let bv = bc[bcb + s * L + li];
        let dh = carry[s] + g * bc[cOff + bcb + s * L + li];
        let hp = hs[prev + s];
        let e = exp(dt * a);
        dA[s] += dh * hp * e * dt;
        ddt += dh * (hp * e * a + bv * ul);
        dul += dh * dt * bv;
        carry[s] = dh * e;
      }
      dseq[row + li] = dul;
      let dx = ddt * softplus_grad(x);
      dseq[total + row + li] = dx;
      dBias += dx;
    }`;

/** A channel thread's row: where it reads and its sums, zeroed (carry is set by the caller). */
const CHANNEL_SETUP = /* wgsl */ `
  let total = b * ch * L;
  let bi = r / ch; let c = r % ch; let k = c / d;
  let row = r * L;
  let bcb = (bi * G + k) * bcStride;
  let aRow = c * n;
  let Dc = consts[ch * n + c]; let bias = consts[ch * n + ch + c];
  var carry: array<f32, ${SCAN_MAX_STATES}>;
  var dA: array<f32, ${SCAN_MAX_STATES}>;
  for (var s = 0u; s < n; s++) { dA[s] = 0.0; }
  var dD = 0.0; var dBias = 0.0;`;

/** A channel thread's sums at `po` in part: dA's n, dD, dDeltaBias. */
const CHANNEL_SUMS = /* wgsl */ `
  for (var s = 0u; s < n; s++) { part[po + s] = dA[s]; }
  part[po + n] = dD;
  part[po + n + 1u] = dBias;`;

/** A state thread's chunk ci of channel c (row r): its state s recomputed into hs, then dB and dC of its steps. */
const STATE_CHUNK = /* wgsl */ `
      let l0 = u32(ci) * chunk;
      let l1 = min(L, l0 + chunk);
      if (ci == 0) { hs[hb] = 0.0; } else { hs[hb] = states[(r * nChunks + u32(ci) - 1u) * n + s]; }
      for (var l = l0; l < l1; l++) {
        let dt = softplus_(seq[total + row + l] + bias);
        hs[hb + l - l0 + 1u] = exp(dt * a) * hs[hb + l - l0] + dt * bc[bcb + s * L + l] * seq[row + l];
      }
      for (var l = l1; l > l0; l--) {
        let li = l - 1u;
        let g = seq[2u * total + row + li];
        let dt = softplus_(seq[total + row + li] + bias);
        let dh = carry + g * bc[cOff + bcb + s * L + li];
        dbc[outC + li] += g * hs[hb + li - l0 + 1u];
        dbc[outB + li] += dh * dt * seq[row + li];
        carry = dh * exp(dt * a);
      }`;

/** A state thread's (batch, group, state): where it reads and writes. */
const STATE_SETUP = /* wgsl */ `
  let total = b * ch * L;
  let bcb = (bi * G + k) * bcStride;
  let outB = ((bi * G + k) * n + s) * L;
  let outC = b * G * n * L + outB;`;

/** Channel cc of a state thread's group: its row, decay rate and bias. */
const STATE_CHANNEL = /* wgsl */ `
    let c = k * d + cc;
    let r = bi * ch + c;
    let row = r * L;
    let a = consts[c * n + s];
    let bias = consts[ch * n + ch + c];`;

/**
 * Pass 1. Inputs seq = [u | delta | gy] (each b·K·d·L), consts, bc, states; outputs
 * dseq = [du | ddelta], part ((b·K·d, n + 2): dA's n sums, dD, dDeltaBias), hs (scratch,
 * (b·K·d, chunk + 1, n)).
 */
export const scanBackwardChannelShader = flatShader({
  read: ['seq', 'consts', 'bc', 'states'],
  write: ['dseq', 'part', 'hs'],
  helpers: ACTIVATIONS_WGSL,
  body: /* wgsl */ `
  if (i >= p[0]) { return; }${SIZES}
  let r = i;${CHANNEL_SETUP}
  let hb = i * (chunk + 1u) * n;
  for (var s = 0u; s < n; s++) { carry[s] = 0.0; }
  for (var ci = i32(nChunks) - 1; ci >= 0; ci--) {${CHANNEL_CHUNK}
  }
  let po = i * (n + 2u);${CHANNEL_SUMS}`,
});

/**
 * Pass 2, one thread per (batch, group, state). Inputs seq, consts, bc, states; outputs
 * dbc = [dB | dC] (each (b, K, n, L), packed), hs (scratch, (b·K·n, chunk + 1)).
 */
export const scanBackwardStateShader = flatShader({
  read: ['seq', 'consts', 'bc', 'states'],
  write: ['dbc', 'hs'],
  helpers: ACTIVATIONS_WGSL,
  body: /* wgsl */ `
  if (i >= p[0]) { return; }${SIZES}
  let s = i % n; let k = (i / n) % G; let bi = i / (n * G);${STATE_SETUP}
  let hb = i * (chunk + 1u);
  for (var cc = 0u; cc < d; cc++) {${STATE_CHANNEL}
    var carry = 0.0;
    for (var ci = i32(nChunks) - 1; ci >= 0; ci--) {${STATE_CHUNK}
    }
  }`,
});

/*
 * The backward over chunks in parallel. The adjoint runs in reverse, λ ← e·(λ + g·C), affine in
 * λ as the forward's state is in h, so the same three steps apply:
 *   A. per (row, chunk, state): the chunk's Π e and its adjoint from zero (scratch `part2`);
 *   B. per (row, state): the chunks chained from the last, each chunk's incoming adjoint
 *      written to part's carries ((row, chunk, state), after C's sums: one binding fewer, as a
 *      stage may bind only 8 storage buffers);
 *   C. per (row, chunk): scanBackwardChannel's work on one chunk from its incoming adjoint,
 *      its sums at part[(row·nChunks + chunk)·(n + 2)], run over slices of the chunks so that
 *      hs stays bounded (p[9] the first chunk of the slice, p[10] the chunks in it);
 *   D. per (batch, group, state, chunk): scanBackwardState's work on one chunk (hs (…, chunk + 1)).
 * The batch and chunk sums are then reduced by scanBackwardReduce.
 */

/** Pass A: thread (r, cj, s) → part2[2·i + {0, 1}] = (Π e, adjoint from zero) of chunk cj. */
export const scanBackChunkLocalShader = flatShader({
  read: ['seq', 'consts', 'bc'],
  write: ['part2'],
  helpers: ACTIVATIONS_WGSL,
  body: /* wgsl */ `
  if (i >= p[0]) { return; }${SIZES}
  let total = b * ch * L;
  let s = i % n; let cj = (i / n) % nChunks; let r = i / (n * nChunks);
  let bi = r / ch; let c = r % ch; let k = c / d;
  let bcb = (bi * G + k) * bcStride;
  let row = r * L;
  let a = consts[c * n + s]; let bias = consts[ch * n + ch + c];
  let l0 = cj * chunk; let l1 = min(L, l0 + chunk);
  var prod = 1.0; var carry = 0.0;
  for (var l = l1; l > l0; l--) {
    let li = l - 1u;
    let e = exp(softplus_(seq[total + row + li] + bias) * a);
    carry = e * (carry + seq[2u * total + row + li] * bc[cOff + bcb + s * L + li]);
    prod *= e;
  }
  part2[2u * i] = prod;
  part2[2u * i + 1u] = carry;`,
});

/** Where part's carries start: after the (row, chunk) sums of pass C. */
const CARRIES = 'b * ch * nChunks * (n + 2u)';

/** Pass B: thread (r, s) chains its chunks from the last: part[CARRIES + (r·nChunks + cj)·n + s], the adjoint entering chunk cj. */
export const scanBackChunkCarryShader = flatShader({
  read: ['part2'],
  write: ['part'],
  body: /* wgsl */ `
  if (i >= p[0]) { return; }${SIZES}
  let s = i % n; let r = i / n;
  var carry = 0.0;
  for (var cj = i32(nChunks) - 1; cj >= 0; cj--) {
    let q = (r * nChunks + u32(cj)) * n + s;
    part[${CARRIES} + q] = carry;
    carry = part2[2u * q] * carry + part2[2u * q + 1u];
  }`,
});

/** Pass C: thread (r, chunk p[9] + j) of a slice; the bindings of pass 1, the carries read from part. */
export const scanBackChunkChannelShader = flatShader({
  read: ['seq', 'consts', 'bc', 'states'],
  write: ['dseq', 'part', 'hs'],
  helpers: ACTIVATIONS_WGSL,
  body: /* wgsl */ `
  if (i >= p[0]) { return; }${SIZES}
  let nSlice = p[10];
  let r = i / nSlice; let cj = p[9] + i % nSlice;
  let ci = i32(cj);${CHANNEL_SETUP}
  let hb = i * (chunk + 1u) * n;
  for (var s = 0u; s < n; s++) { carry[s] = part[${CARRIES} + (r * nChunks + cj) * n + s]; }
  {${CHANNEL_CHUNK}
  }
  let po = (r * nChunks + cj) * (n + 2u);${CHANNEL_SUMS}`,
});

/** Pass D: thread (batch, group, state, chunk); inputs as pass 2 and part (its carries), outputs as pass 2. */
export const scanBackChunkStateShader = flatShader({
  read: ['seq', 'consts', 'bc', 'states', 'part'],
  write: ['dbc', 'hs'],
  helpers: ACTIVATIONS_WGSL,
  body: /* wgsl */ `
  if (i >= p[0]) { return; }${SIZES}
  let cj = i % nChunks; let s = (i / nChunks) % n; let k = (i / (nChunks * n)) % G; let bi = i / (nChunks * n * G);${STATE_SETUP}
  let hb = i * (chunk + 1u);
  let ci = i32(cj);
  for (var cc = 0u; cc < d; cc++) {${STATE_CHANNEL}
    var carry = part[${CARRIES} + (r * nChunks + cj) * n + s];
    {${STATE_CHUNK}
    }
  }`,
});

/** Pass 3, one thread per channel: part summed over the batch (and p[9] chunks per row) into [dA | dD | dDeltaBias]. */
export const scanBackwardReduceShader = flatShader({
  read: ['part'],
  write: ['red'],
  body: /* wgsl */ `
  if (i >= p[0]) { return; }
  let b = p[1]; let ch = p[2] * p[3]; let n = p[4]; let per = p[9];
  for (var j = 0u; j < n + 2u; j++) {
    var s = 0.0;
    for (var bi = 0u; bi < b; bi++) {
      for (var q = 0u; q < per; q++) { s += part[((bi * ch + i) * per + q) * (n + 2u) + j]; }
    }
    if (j < n) { red[i * n + j] = s; } else if (j == n) { red[ch * n + i] = s; } else { red[ch * n + ch + i] = s; }
  }`,
});
