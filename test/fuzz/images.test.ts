import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFuzz } from './run.js';

test('fuzz images: chunk (CRC-fixed), header-size and byte mutations of 1×1, grey, grey+alpha, RGBA, 16-bit, JPEG, WebP and TIFF files decode to a well-formed image or are refused in one line naming the file; a 10000×9999 header is refused at the default limit; no hang, crash or blow-up', (t) => {
  const r = runFuzz(t, 'images', { seed: 20260114, mutants: 3000 });
  assert.ok(r.accepted >= 10 && r.refused > 1000, 'the seeds decode and many mutants are refused');
});
