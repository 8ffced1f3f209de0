/**
 * What the webgpu backend asks of a device, as plain data that crosses a thread: buffers (inputs
 * uploaded, outputs read back, scratch on the device only) and compute passes over them, in order.
 * A kernel builds one job; the device side (device.ts) runs any job without knowing which kernel
 * made it, so every kernel is defined once, in kernels.ts and its shaders.
 */

/** One compute pass: a shader, the buffers it binds (indices into the job's buffers), its workgroups. */
export interface GpuPass {
  /** Key of the shader in SHADERS (shaders/index.ts). */
  shader: string;
  /** Binding i of group 0 is buffer bindings[i]; the parameters are bound after them. */
  bindings: number[];
  /** The pass's integer parameters (floats as their bits), bound as a read-only array<u32>. */
  params: number[];
  workgroups: [number, number, number];
}

export interface GpuJob {
  /** Buffers 0 … inputs.length−1, uploaded before the first pass. */
  inputs: Float32Array[];
  /** Element counts of the buffers that follow the inputs: outputs first, then scratch. */
  outputs: number[];
  scratch: number[];
  /** Initial contents of output i (accumulating kernels); absent outputs start at zero. */
  outputInit?: (Float32Array | undefined)[];
  passes: GpuPass[];
}

/** Index of output i among a job's buffers. */
export function outputBuffer(job: Pick<GpuJob, 'inputs'>, i: number): number {
  return job.inputs.length + i;
}

/** Index of scratch buffer i among a job's buffers. */
export function scratchBuffer(job: Pick<GpuJob, 'inputs' | 'outputs'>, i: number): number {
  return job.inputs.length + job.outputs.length + i;
}

/** Threads per workgroup of the one-dimensional shaders (shaders/common.ts's WG). */
export const WORKGROUP = 64;

/** Most workgroups along one dispatch dimension (WebGPU's default limit). */
export const MAX_GROUPS_PER_DIM = 65535;

/**
 * Workgroups for `count` threads of WORKGROUP each, spread over x and y when x alone would
 * exceed the limit; shaders recover the flat index with common.ts's flatIndex.
 */
export function groupsFor(count: number, perGroup = WORKGROUP): [number, number, number] {
  const groups = Math.max(1, Math.ceil(count / perGroup));
  if (groups <= MAX_GROUPS_PER_DIM) return [groups, 1, 1];
  const y = Math.ceil(groups / MAX_GROUPS_PER_DIM);
  if (y > MAX_GROUPS_PER_DIM) throw new Error(`webgpu: ${count} threads exceed one dispatch`);
  return [MAX_GROUPS_PER_DIM, y, 1];
}

const bits = new DataView(new ArrayBuffer(4));

/** A float32 parameter as the u32 of its bits (shaders read it with bitcast<f32>). */
export function f32Bits(x: number): number {
  bits.setFloat32(0, x, true);
  return bits.getUint32(0, true);
}
