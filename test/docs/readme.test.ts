import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot } from '../helpers/shared.js';

interface Block {
  lang: string;
  code: string;
  line: number;
  skip?: string;
}

/** The fenced code blocks of a Markdown file, with the reason of a `<!-- readme-test: skip (…) -->` line just above. */
function codeBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    const skip = /^<!-- readme-test: skip \((.+)\) -->$/.exec(lines[start - 1] ?? '')?.[1];
    blocks.push({ lang: open[1], code: body.join('\n'), line: start + 1, skip });
  }
  return blocks;
}

const root = repoRoot();
const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe('README', () => {
  it('is short enough to read in five minutes', () => {
    assert.ok(readme.split('\n').length <= 200, `README.md has ${readme.split('\n').length} lines`);
  });

  it('links only to files that exist', () => {
    for (const [, target] of readme.matchAll(/\]\(([^)#]+)(#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target)) continue;
      assert.ok(existsSync(join(root, target)), `README.md links to ${target}, which is missing`);
    }
  });

  it('tags every code block sh or js, and gives a reason for each one it does not run', () => {
    const blocks = codeBlocks(readme);
    assert.ok(blocks.length >= 4);
    for (const b of blocks) {
      assert.ok(['sh', 'js'].includes(b.lang), `README.md:${b.line}: code block tagged '${b.lang}'`);
    }
    const skipped = blocks.filter((b) => b.skip);
    assert.ok(skipped.length <= 1, 'only the set-up block is left to CI');
    for (const b of skipped) {
      for (const script of b.code.matchAll(/npm (?:run )?(\w+)/g)) {
        if (script[1] === 'install' || script[1] === 'test') continue;
        const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
        assert.ok(pkg.scripts[script[1]], `README.md:${b.line}: npm script '${script[1]}' exists`);
      }
    }
  });

  // Each block runs as written in a scratch folder laid out like a clone (examples/ and models/
  // beside it) where the package is installed as a link to this checkout, as npm links a local dependency.
  describe('code blocks run as written', () => {
    let dir = '';
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'diffmamba-readme-'));
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'readme-check', private: true, type: 'module' }));
      mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
      symlinkSync(root, join(dir, 'node_modules', 'diff-mamba'), 'dir');
      const bin = join(dir, 'node_modules', '.bin', 'diff-mamba');
      writeFileSync(bin, `#!/bin/sh\nexec "${process.execPath}" "${join(root, 'dist', 'src', 'cli', 'main.js')}" "$@"\n`);
      chmodSync(bin, 0o755);
      for (const d of ['examples', 'models']) symlinkSync(join(root, d), join(dir, d), 'dir');
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    for (const [k, b] of codeBlocks(readme).entries()) {
      if (b.skip) continue;
      it(`block ${k + 1} (${b.lang}, line ${b.line})`, () => {
        const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, npm_config_yes: 'false', npm_config_offline: 'true' };
        let r;
        if (b.lang === 'sh') {
          r = spawnSync('bash', ['-euo', 'pipefail', '-c', b.code], { cwd: dir, env, encoding: 'utf8', timeout: 600_000 });
        } else {
          const file = join(dir, `block-${k + 1}.mjs`);
          writeFileSync(file, b.code);
          r = spawnSync(process.execPath, [file], { cwd: dir, env, encoding: 'utf8', timeout: 600_000 });
        }
        assert.equal(r.status, 0, `README.md:${b.line} failed (status ${r.status}):\n${r.stdout}\n${r.stderr}`);
      });
    }

    it('left the outputs the blocks promise', () => {
      assert.ok(existsSync(join(dir, 'restored', 'chelsea_rain.png')));
      assert.ok(existsSync(join(dir, 'restored', 'chelsea_blur.png')));
      assert.ok(existsSync(join(dir, 'chelsea_derained.png')));
    });
  });
});
