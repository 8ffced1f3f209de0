import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FAMILIES, PRESETS, rangesTable } from '../../src/degrade/blind/index.js';
import { repoRoot } from '../helpers/shared.js';

const doc = readFileSync(join(repoRoot(), 'docs', 'degradations.md'), 'utf8');

test('docs/degradations.md documents every family with the ranges the code draws from', () => {
  for (const f of Object.values(FAMILIES)) {
    assert.ok(doc.includes(`### \`${f.name}\`\n`), `a section for ${f.name}`);
    assert.ok(doc.includes(`Margin: ${f.margin} px.`), `${f.name}'s margin`);
    for (const row of rangesTable(f).slice(2)) assert.ok(doc.includes(row), `${f.name}: the doc lacks the row\n${row}`);
  }
});

test('docs/degradations.md lists each preset’s train and held-out mixes with their weights', () => {
  for (const p of Object.values(PRESETS)) {
    for (const split of ['train', 'heldout'] as const) {
      const mix = p[split];
      const total = mix.reduce((s, m) => s + m.weight, 0);
      for (const m of mix) {
        const share = `${Math.round((100 * m.weight) / total)} %`;
        assert.ok(doc.includes(`| \`${m.family.name}\` | ${m.weight} | ${share} |`), `${p.name} ${split}: ${m.family.name} ${m.weight} ${share}`);
      }
    }
  }
});

test('the option-file example of docs/degradations.md parses as written', async () => {
  const { parseOptions } = await import('../../src/train/options.js');
  const yaml = /```yaml\n([\s\S]*?)```/.exec(doc)![1];
  const o = parseOptions(yaml, { baseDir: '/d' });
  assert.deepEqual(o.datasets.train!.blind, { roots: ['/d/photos/div2k', '/d/photos/flickr2k'], preset: 'derain', families: null, cleanFraction: 0.05, asUint8: true });
  assert.deepEqual(o.unknown, []);
});
