import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../helpers/shared.js';

describe('README examples', () => {
  it('examples/library.mjs runs: loads the bundled model, a forward pass and a restoration that beats its input', () => {
    const r = spawnSync(process.execPath, [join(repoRoot(), 'examples', 'library.mjs')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /forward: output shape \[1,3,32,32\]/);
    const m = /PSNR: noisy ([\d.]+) dB → restored ([\d.]+) dB/.exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.ok(Number(m[2]) > Number(m[1]), r.stdout);
  });
});
