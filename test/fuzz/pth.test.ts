import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFuzz } from './run.js';

test('fuzz .pth checkpoints (zip and pickle): byte, opcode, entry and compression mutations of torch-written and our own archives, and crafted pickles (2^60-leaf DAGs, self-references, a 1 MB LONG4, 100,000 nested lists, stride-0 views of 2^28, zip bombs, os.system) are loaded or refused in one line naming the file; no hang, crash or blow-up', (t) => {
  const r = runFuzz(t, 'pth', { seed: 20260114, mutants: 1500 });
  assert.ok(r.accepted >= 5 && r.refused > 800, 'the seeds load and most mutants are refused');
});
