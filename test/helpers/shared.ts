import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder above this file holding package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above the test helpers');
    dir = up;
  }
  return dir;
}

/** The shared folder (SPEC, fixtures, data): $DIFF_MAMBA_SHARED or ../shared beside the repo. */
export function sharedDir(): string {
  return process.env.DIFF_MAMBA_SHARED ? resolve(process.env.DIFF_MAMBA_SHARED) : join(repoRoot(), '..', 'shared');
}

export function fixturePath(name: string): string {
  return join(sharedDir(), 'fixtures', name);
}
