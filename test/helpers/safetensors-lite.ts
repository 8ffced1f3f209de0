import { readFileSync } from 'node:fs';

/**
 * Reads the F64 tensors of a .safetensors file at full precision. The shared reader
 * (src/io/safetensors.ts) widens or narrows everything to float32, which loses the
 * digits the metric fixtures are compared at (1e-6 dB).
 */
export function readFloat64Tensors(path: string): Map<string, { shape: number[]; data: Float64Array }> {
  const buf = readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const out = new Map<string, { shape: number[]; data: Float64Array }>();
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__' || info.dtype !== 'F64') continue;
    const [begin, end] = info.data_offsets;
    const data = new Float64Array((end - begin) / 8);
    for (let i = 0; i < data.length; i++) data[i] = buf.readDoubleLE(8 + n + begin + 8 * i);
    out.set(name, { shape: info.shape, data });
  }
  return out;
}
