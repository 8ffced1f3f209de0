import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFuzz } from './run.js';

test('fuzz safetensors checkpoints through loadModel: header, shape, dtype, offset and config mutations and crafted files (empty tensors implying dim 3000, num_blocks 1e6, NaN and 1e30 weights…) are loaded or refused in one line naming the file; no hang, crash or blow-up', (t) => {
  const r = runFuzz(t, 'safetensors', { seed: 20260114, mutants: 2000 });
  assert.ok(r.accepted >= 2 && r.refused > 1000, 'the seeds load and most mutants are refused');
});
