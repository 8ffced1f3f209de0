// The page's GPU thread: owns the WebGPU device and runs the jobs a tile worker's webgpu kernels
// send it over a MessagePort (they wait for the answers, which this worker writes into shared memory).
import { serveWebgpuDevice } from '/lib/diff-mamba.js';

serveWebgpuDevice(self);
