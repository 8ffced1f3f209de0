import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root folder (this file is dist/src/io/package-root.js: three folders up). */
export function packageRoot(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}
