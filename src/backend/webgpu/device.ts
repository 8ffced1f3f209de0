/**
 * Runs jobs (job.ts) on a GPUDevice: uploads the inputs, encodes every pass into one command
 * buffer, reads the outputs back. Knows WebGPU, not the kernels; the same code serves Node's
 * `webgpu` package and a browser's navigator.gpu.
 */
import type { GpuJob } from './job.js';
import { SHADERS } from './shaders/index.js';

/** The adapter's name, as the bench and error messages show it. */
export function describeAdapter(info: GPUAdapterInfo): string {
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((s) => s && s.length > 0);
  return parts.length ? [...new Set(parts)].join(' ') : 'unnamed adapter';
}

/** Limits worth raising to the adapter's maximum (the defaults cap a binding at 128 MB). */
const RAISED_LIMITS = ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize'] as const;

const keptAlive: GPU[] = [];

/** An open device: its adapter's name, and whether that adapter is a CPU implementation (info.isFallbackAdapter). */
export interface OpenedDevice {
  device: GPUDevice;
  adapter: string;
  fallback: boolean;
}

/** A device with the limits the kernels want, or why there is none. */
export async function openDevice(gpu: GPU): Promise<OpenedDevice | string> {
  // Dawn for Node frees its instance when the GPU object is collected, under a live device
  keptAlive.push(gpu);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return 'no WebGPU adapter was found';
  const requiredLimits: Record<string, number> = {};
  for (const k of RAISED_LIMITS) requiredLimits[k] = adapter.limits[k];
  const device = await adapter.requestDevice({ requiredLimits });
  return { device, adapter: describeAdapter(adapter.info), fallback: adapter.info.isFallbackAdapter === true };
}

export class GpuRunner {
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private lost: string | null = null;

  constructor(private readonly device: GPUDevice) {
    void device.lost.then((info) => {
      this.lost = `the WebGPU device was lost (${info.reason}: ${info.message})`;
    });
  }

  private pipeline(key: string): GPUComputePipeline {
    let p = this.pipelines.get(key);
    if (!p) {
      const code = SHADERS[key];
      if (code === undefined) throw new Error(`webgpu: no shader '${key}'`);
      p = this.device.createComputePipeline({ layout: 'auto', compute: { module: this.device.createShaderModule({ code, label: key }), entryPoint: 'main' } });
      this.pipelines.set(key, p);
    }
    return p;
  }

  async run(job: GpuJob): Promise<Float32Array[]> {
    if (this.lost) throw new Error(this.lost);
    const d = this.device;
    const limit = d.limits.maxStorageBufferBindingSize;
    const sizes = [...job.inputs.map((a) => a.length), ...job.outputs, ...job.scratch];
    for (const n of sizes) if (n * 4 > limit) throw new Error(`webgpu: a buffer of ${n} floats exceeds the device's ${limit}-byte binding limit`);
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const buffers = sizes.map((n) => d.createBuffer({ size: Math.max(4, n * 4), usage }));
    const temp: GPUBuffer[] = [];
    d.pushErrorScope('validation');
    d.pushErrorScope('out-of-memory');
    try {
      job.inputs.forEach((a, i) => {
        if (a.length) d.queue.writeBuffer(buffers[i], 0, a.buffer, a.byteOffset, a.byteLength);
      });
      job.outputInit?.forEach((a, i) => {
        if (a && a.length) d.queue.writeBuffer(buffers[job.inputs.length + i], 0, a.buffer, a.byteOffset, a.byteLength);
      });
      const enc = d.createCommandEncoder();
      for (const pass of job.passes) {
        const pipe = this.pipeline(pass.shader);
        const params = d.createBuffer({ size: Math.max(4, pass.params.length * 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
        temp.push(params);
        if (pass.params.length) d.queue.writeBuffer(params, 0, new Uint32Array(pass.params));
        const entries: GPUBindGroupEntry[] = pass.bindings.map((b, i) => ({ binding: i, resource: { buffer: buffers[b] } }));
        entries.push({ binding: pass.bindings.length, resource: { buffer: params } });
        const cp = enc.beginComputePass();
        cp.setPipeline(pipe);
        cp.setBindGroup(0, d.createBindGroup({ layout: pipe.getBindGroupLayout(0), entries }));
        cp.dispatchWorkgroups(...pass.workgroups);
        cp.end();
      }
      const first = job.inputs.length;
      const reads = job.outputs.map((n, i) => {
        const rb = d.createBuffer({ size: Math.max(4, n * 4), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
        temp.push(rb);
        if (n) enc.copyBufferToBuffer(buffers[first + i], 0, rb, 0, n * 4);
        return rb;
      });
      d.queue.submit([enc.finish()]);
      const oom = await d.popErrorScope();
      const invalid = await d.popErrorScope();
      if (oom) throw new Error(`webgpu: out of device memory (${oom.message})`);
      if (invalid) throw new Error(`webgpu: ${invalid.message}`);
      await Promise.all(reads.map((rb) => rb.mapAsync(GPUMapMode.READ)));
      return reads.map((rb, i) => {
        const out = new Float32Array(job.outputs[i]);
        if (job.outputs[i]) out.set(new Float32Array(rb.getMappedRange(), 0, job.outputs[i]));
        rb.unmap();
        return out;
      });
    } finally {
      for (const b of buffers) b.destroy();
      for (const b of temp) b.destroy();
    }
  }
}
