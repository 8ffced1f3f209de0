import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineProgress } from '../../src/cli/progress.js';

test('without a terminal, long jobs print a plain progress line at most every interval, and a last one', () => {
  let clock = 0;
  const lines: string[] = [];
  const p = new LineProgress('{bar} {percentage}% | {name} tile {value}/{total} | {duration_formatted}', (l) => lines.push(l), 15000, () => clock);
  p.start(1, 0, { name: 'big.png' });
  p.setTotal(361);
  for (let t = 1; t <= 361; t++) {
    clock += 3300;
    p.update(t);
  }
  p.stop();
  assert.equal(p.isActive, false);
  // 361 tiles × 3.3 s = 1191 s: a line every 5th tile (16.5 s), then the last one
  assert.equal(lines.length, Math.floor(361 / 5) + 1);
  assert.equal(lines[0], '1% | big.png tile 5/361 | 0m17s');
  assert.equal(lines.at(-1), '100% | big.png tile 361/361 | 19m51s');

  lines.length = 0;
  p.start(10, 0);
  for (let i = 0; i < 10; i++) p.increment();
  p.stop();
  assert.deepEqual(lines, [], 'a job shorter than the interval prints nothing');
});
