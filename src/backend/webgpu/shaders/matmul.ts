/**
 * C[b] (+)= op(A[b])·op(B[b]); each thread sums a 4×4 block of C in registers, reading A and B
 * straight from storage (the caches serve the reuse). No workgroup memory and no barriers: a
 * CPU implementation of WebGPU (SwiftShader) runs barrier-free shaders as SIMD lanes, while a
 * barrier makes it switch between invocations, which made the tiled version ~50× slower there.
 * Workgroups (⌈n/32⌉, ⌈m/32⌉, batch) of 8×8 threads. Parameters: m, k, n, transA, transB,
 * strideA, strideB, strideC, accumulate.
 */
import { customShader } from './common.js';

/** Rows and columns of C one workgroup covers. */
export const MATMUL_TILE = 32;

export const matmulShader = customShader(['a', 'b'], ['c'], /* wgsl */ `
@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let m = p[0]; let k = p[1]; let n = p[2];
  let transA = p[3] != 0u; let transB = p[4] != 0u;
  let offA = wid.z * p[5]; let offB = wid.z * p[6]; let offC = wid.z * p[7];
  let row0 = wid.y * 32u + lid.y * 4u;
  let col0 = wid.x * 32u + lid.x * 4u;
  if (row0 >= m || col0 >= n) { return; }
  // clamped indices keep every read in bounds; the rows and columns past the edge are not written
  var ri: array<u32, 4>;
  var ci: array<u32, 4>;
  for (var r = 0u; r < 4u; r++) { ri[r] = min(row0 + r, m - 1u); ci[r] = min(col0 + r, n - 1u); }
  var s: array<vec4f, 4>;
  for (var q = 0u; q < k; q++) {
    var bv: vec4f;
    if (transB) {
      bv = vec4f(b[offB + ci[0] * k + q], b[offB + ci[1] * k + q], b[offB + ci[2] * k + q], b[offB + ci[3] * k + q]);
    } else {
      let base = offB + q * n;
      bv = vec4f(b[base + ci[0]], b[base + ci[1]], b[base + ci[2]], b[base + ci[3]]);
    }
    for (var r = 0u; r < 4u; r++) {
      var av: f32;
      if (transA) { av = a[offA + q * m + ri[r]]; } else { av = a[offA + ri[r] * k + q]; }
      s[r] += av * bv;
    }
  }
  let acc = p[8] != 0u;
  for (var r = 0u; r < 4u; r++) {
    let row = row0 + r;
    if (row >= m) { break; }
    for (var j = 0u; j < 4u; j++) {
      let col = col0 + j;
      if (col >= n) { break; }
      let o = offC + row * n + col;
      if (acc) { c[o] += s[r][j]; } else { c[o] = s[r][j]; }
    }
  }
}
`);
