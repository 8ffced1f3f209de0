import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { readSafetensors } from '../../src/io/safetensors.js';
import { bundledModelPath, TASKS } from '../../src/restore/bundled.js';
import { repoRoot } from '../helpers/shared.js';

for (const task of TASKS) {
  test(`the bundled ${task} model names option files that are shipped beside it`, () => {
    const { metadata } = readSafetensors(bundledModelPath(task));
    const stages = metadata.stages.split(', ');
    assert.equal(stages.at(-1), metadata.options, 'the last stage is the one whose weights are shipped');
    for (const rel of stages) {
      assert.ok(!rel.startsWith('/'), `${rel} is a path inside the package`);
      assert.ok(existsSync(join(repoRoot(), rel)), `${rel} exists`);
    }
    const last = parse(readFileSync(join(repoRoot(), metadata.options), 'utf8')) as { name: string };
    assert.equal(last.name, metadata.name, 'the run name is the shipped option file\'s');
    assert.ok(existsSync(join(repoRoot(), 'models', task, 'README.md')), 'a model card sits beside the weights');
  });
}
