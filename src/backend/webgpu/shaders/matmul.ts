/**
 * C[b] (+)= op(A[b])·op(B[b]) in 16×16 output tiles, the k axis staged through workgroup
 * memory. Workgroups (⌈n/16⌉, ⌈m/16⌉, batch). Parameters: m, k, n, transA, transB, strideA,
 * strideB, strideC, accumulate.
 */
import { customShader } from './common.js';

export const MATMUL_TILE = 16;

export const matmulShader = customShader(['a', 'b'], ['c'], /* wgsl */ `
var<workgroup> ta: array<f32, 256>;
var<workgroup> tb: array<f32, 256>;
@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let m = p[0]; let k = p[1]; let n = p[2];
  let transA = p[3] != 0u; let transB = p[4] != 0u;
  let offA = wid.z * p[5]; let offB = wid.z * p[6]; let offC = wid.z * p[7];
  let row = wid.y * 16u + lid.y;
  let col = wid.x * 16u + lid.x;
  var s = 0.0;
  let tiles = (k + 15u) / 16u;
  for (var t = 0u; t < tiles; t++) {
    let pa = t * 16u + lid.x;
    var va = 0.0;
    if (row < m && pa < k) {
      if (transA) { va = a[offA + pa * m + row]; } else { va = a[offA + row * k + pa]; }
    }
    ta[lid.y * 16u + lid.x] = va;
    let pb = t * 16u + lid.y;
    var vb = 0.0;
    if (col < n && pb < k) {
      if (transB) { vb = b[offB + col * k + pb]; } else { vb = b[offB + pb * n + col]; }
    }
    tb[lid.y * 16u + lid.x] = vb;
    workgroupBarrier();
    for (var q = 0u; q < 16u; q++) { s += ta[lid.y * 16u + q] * tb[q * 16u + lid.x]; }
    workgroupBarrier();
  }
  if (row < m && col < n) {
    let o = offC + row * n + col;
    if (p[8] != 0u) { c[o] += s; } else { c[o] = s; }
  }
}
`);
