import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFuzz } from './run.js';

test('fuzz option files: value, key-typo, deletion and text mutations of the bundled and authors-style files, and crafted ones (billion laughs, self-referencing aliases, 5,000 nested mappings, totl_iter) are parsed or refused in one line naming the file; no hang or crash', (t) => {
  const r = runFuzz(t, 'options', { seed: 20260114, mutants: 1500 });
  assert.ok(r.accepted >= 4 && r.refused > 500, 'the seeds parse and many mutants are refused');
});
