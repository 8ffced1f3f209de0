/**
 * How the kernels' WGSL is put together: every shader binds its read-only arrays, then the arrays
 * it writes, then `p`, the pass's parameters (array<u32>), in group 0 and that order, which is
 * the order of GpuPass.bindings. A binding a shader declares must also be used ('auto' layouts
 * drop unused ones and the bind group would then not match).
 */
import { WORKGROUP } from '../job.js';

export interface ShaderSpec {
  read: string[];
  write: string[];
  /** Functions and constants used by the body. */
  helpers?: string;
  /** The body of main, with the flat thread index `i` (u32) in scope. */
  body: string;
}

function declarations(read: string[], write: string[]): string {
  const lines = read.map((name, b) => `@group(0) @binding(${b}) var<storage, read> ${name}: array<f32>;`);
  write.forEach((name, j) => lines.push(`@group(0) @binding(${read.length + j}) var<storage, read_write> ${name}: array<f32>;`));
  lines.push(`@group(0) @binding(${read.length + write.length}) var<storage, read> p: array<u32>;`);
  return lines.join('\n');
}

/** A shader of one thread per item, launched with job.ts's groupsFor. */
export function flatShader(s: ShaderSpec): string {
  return `${declarations(s.read, s.write)}
${s.helpers ?? ''}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32, @builtin(num_workgroups) nwg: vec3u) {
  let i = (wid.y * nwg.x + wid.x) * ${WORKGROUP}u + lid;
${s.body}
}
`;
}

/** A shader with its own workgroup shape and builtins (the tiled matrix product). */
export function customShader(read: string[], write: string[], rest: string): string {
  return `${declarations(read, write)}
${rest}`;
}

/** Activations as the TypeScript reference defines them (backend/js/elementwise.ts), in f32. */
export const ACTIVATIONS_WGSL = /* wgsl */ `
fn log1p_(e: f32) -> f32 {
  let u = 1.0 + e;
  if (u == 1.0) { return e; }
  return log(u) * e / (u - 1.0);
}
fn sigmoid_(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }
fn softplus_(x: f32) -> f32 { if (x > 20.0) { return x; } return log1p_(exp(x)); }
fn softplus_grad(x: f32) -> f32 { if (x > 20.0) { return 1.0; } return sigmoid_(x); }
fn erf_(x: f32) -> f32 {
  let z = abs(x);
  let t = 1.0 / (1.0 + 0.5 * z);
  let r = t * exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
    + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  if (x >= 0.0) { return 1.0 - r; }
  return r - 1.0;
}
// op ids: UNARY_OPS order (exp, sigmoid, softplus, silu, gelu)
fn act(op: u32, x: f32) -> f32 {
  switch op {
    case 0u: { return exp(x); }
    case 1u: { return sigmoid_(x); }
    case 2u: { return softplus_(x); }
    case 3u: { return x * sigmoid_(x); }
    default: { return 0.5 * x * (1.0 + erf_(x * 0.70710678118654752)); }
  }
}
fn dact(op: u32, x: f32, y: f32) -> f32 {
  switch op {
    case 0u: { return y; }
    case 1u: { return y * (1.0 - y); }
    case 2u: { return softplus_grad(x); }
    case 3u: { let s = sigmoid_(x); return s * (1.0 + x * (1.0 - s)); }
    default: { return 0.5 * (1.0 + erf_(x * 0.70710678118654752)) + x * 0.39894228040143268 * exp(-0.5 * x * x); }
  }
}
`;
