/**
 * Strided elementwise kernels, as backend/js/strided.ts: a binary op over two strided views
 * (a zero stride broadcasts) and the dense copy of a view. Parameters: total, rank, then
 * MAX_STRIDED_RANK sizes and MAX_STRIDED_RANK strides per view (binary: op after them; gather:
 * the offset; strides and offset as i32 bits).
 */
import { MAX_STRIDED_RANK } from '../../kernels.js';
import { flatShader } from './common.js';

const R = MAX_STRIDED_RANK;

export const binaryShader = flatShader({
  read: ['a', 'b'],
  write: ['y'],
  body: /* wgsl */ `
  if (i >= p[0]) { return; }
  let rank = p[1];
  var rem = i; var oa = 0u; var ob = 0u;
  for (var ax = i32(rank) - 1; ax >= 0; ax--) {
    let size = p[2u + u32(ax)];
    let idx = rem % size;
    rem = rem / size;
    oa += idx * p[${2 + R}u + u32(ax)];
    ob += idx * p[${2 + 2 * R}u + u32(ax)];
  }
  let x = a[oa]; let z = b[ob];
  switch p[${2 + 3 * R}u] {
    case 0u: { y[i] = x + z; }
    case 1u: { y[i] = x - z; }
    case 2u: { y[i] = x * z; }
    default: { y[i] = x / z; }
  }`,
});

export const gatherShader = flatShader({
  read: ['src'],
  write: ['y'],
  body: /* wgsl */ `
  if (i >= p[0]) { return; }
  let rank = p[1];
  var rem = i; var o = bitcast<i32>(p[${2 + 2 * R}u]);
  for (var ax = i32(rank) - 1; ax >= 0; ax--) {
    let size = p[2u + u32(ax)];
    let idx = rem % size;
    rem = rem / size;
    o += i32(idx) * bitcast<i32>(p[${2 + R}u + u32(ax)]);
  }
  y[i] = src[u32(o)];`,
});
