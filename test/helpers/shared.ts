import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

/** The committed test data: golden tensors and a few photos (see test/fixtures/README.md). */
export function fixturesDir(): string {
  return join(repoRoot(), 'test', 'fixtures');
}

export function fixturePath(name: string): string {
  return join(fixturesDir(), name);
}

/** One of the committed photos in test/fixtures/photos. */
export function photoPath(name: string): string {
  return join(fixturesDir(), 'photos', name);
}
