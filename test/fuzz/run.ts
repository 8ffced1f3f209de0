import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

const driver = join(dirname(fileURLToPath(import.meta.url)), 'driver.js');

export interface FuzzResult {
  corpus: string;
  seed: number;
  cases: number;
  accepted: number;
  refused: number;
  refusedBy: Record<string, number>;
  problems: { i: number; name: string; detail: string }[];
  slowest: { i: number; name: string; ms: number };
  maxRssMB: number;
  seconds: number;
}

/**
 * Runs one corpus in a child process and asserts: it finishes within `timeoutS` (no hang; a
 * hang names the case it stopped at), exits normally (no crash, no signal), stays under
 * `maxRssMB` of resident memory, and every case was judged fine (see driver.ts).
 */
export function runFuzz(t: TestContext, corpus: string, o: { seed: number; mutants: number; timeoutS?: number; perCaseMs?: number; maxRssMB?: number }): FuzzResult {
  const r = spawnSync(process.execPath, [driver, corpus, String(o.seed), String(o.mutants), String(o.perCaseMs ?? 3000)], {
    encoding: 'utf8',
    timeout: (o.timeoutS ?? 90) * 1000,
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, DIFF_MAMBA_PROFILE: '' },
  });
  const lines = (r.stdout ?? '').split('\n');
  const last = [...lines].reverse().find((l) => l.startsWith('> ')) ?? '(none)';
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') assert.fail(`${corpus}: no result within ${o.timeoutS ?? 90} s; the last case started was ${last.slice(2)}`);
  assert.equal(r.signal, null, `${corpus}: the driver died of ${r.signal} during ${last.slice(2)}\n${(r.stderr ?? '').slice(-2000)}`);
  const driverError = lines.find((l) => l.startsWith('DRIVER-ERROR'));
  assert.equal(driverError, undefined, `${corpus}: ${driverError}\n${r.stdout.slice(-3000)}`);
  assert.equal(r.status, 0, `${corpus}: exit status ${r.status} after ${last.slice(2)}\n${(r.stderr ?? '').slice(-2000)}`);
  const line = lines.find((l) => l.startsWith('RESULT '));
  assert.ok(line, `${corpus}: no RESULT line`);
  const res = JSON.parse(line.slice(7)) as FuzzResult;
  t.diagnostic(
    `${corpus}: ${res.cases} cases (seed ${res.seed}): ${res.accepted} accepted, ${res.refused} refused (${Object.entries(res.refusedBy).map(([k, v]) => `${k} ${v}`).join(', ')}), ${res.problems.length} problems; slowest ${res.slowest.ms} ms (${res.slowest.name}); peak RSS ${res.maxRssMB} MB; ${res.seconds} s`,
  );
  assert.deepEqual(res.problems.slice(0, 10), [], `${corpus}: ${res.problems.length} problem case(s)`);
  assert.ok(res.maxRssMB <= (o.maxRssMB ?? 1024), `${corpus}: peak RSS ${res.maxRssMB} MB over ${o.maxRssMB ?? 1024} MB`);
  return res;
}
