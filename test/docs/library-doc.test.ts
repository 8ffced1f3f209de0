// docs/library.md promises that every `js` block runs as written: each is run here as its own
// ES module, from a folder holding the package's examples/, importing 'diff-mamba' (mapped to
// this checkout's dist/src/index.js, since the repository does not depend on itself).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../helpers/shared.js';

const doc = readFileSync(join(repoRoot(), 'docs', 'library.md'), 'utf8');
const blocks = [...doc.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
const index = pathToFileURL(join(repoRoot(), 'dist', 'src', 'index.js')).href;

describe('docs/library.md', () => {
  it('has code to run', () => assert.ok(blocks.length >= 6, `${blocks.length} js blocks`));

  blocks.forEach((code, i) => {
    const title = code.split('\n').find((l) => l.includes("from 'diff-mamba'")) ?? '';
    it(`block ${i + 1} runs as written (${title.slice(0, 60)}…)`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'dm-doc-'));
      symlinkSync(join(repoRoot(), 'examples'), join(dir, 'examples'));
      const file = join(dir, `block${i + 1}.mjs`);
      writeFileSync(file, code.replaceAll("from 'diff-mamba'", `from '${index}'`));
      const r = spawnSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', timeout: 240_000 });
      assert.equal(r.status, 0, `block ${i + 1} failed (${r.signal ?? r.status}):\n${r.stdout}\n${r.stderr}`);
    });
  });
});
