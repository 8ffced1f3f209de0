import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff'];

function isImage(p: string): boolean {
  return IMAGE_EXTENSIONS.includes(extname(p).toLowerCase());
}

function globToRegExp(glob: string): RegExp {
  const esc = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${esc}$`);
}

/**
 * Expands files, folders (their images, sorted) and globs whose wildcards (* ?) are in the
 * last path component. Returns the images and the arguments that matched nothing.
 */
export function expandInputs(args: string[]): { files: string[]; unmatched: string[] } {
  const files: string[] = [];
  const unmatched: string[] = [];
  for (const a of args) {
    if (/[*?]/.test(basename(a))) {
      const dir = dirname(a);
      const re = globToRegExp(basename(a));
      const hits = existsSync(dir) ? readdirSync(dir).filter((n) => re.test(n) && isImage(n)).sort().map((n) => join(dir, n)) : [];
      if (hits.length) files.push(...hits);
      else unmatched.push(a);
    } else if (existsSync(a) && statSync(a).isDirectory()) {
      const hits = readdirSync(a).filter((n) => isImage(n) && !n.startsWith('.')).sort().map((n) => join(a, n));
      if (hits.length) files.push(...hits);
      else unmatched.push(a);
    } else {
      files.push(a);
    }
  }
  const seen = new Set<string>();
  return { files: files.filter((f) => (seen.has(resolve(f)) ? false : (seen.add(resolve(f)), true))), unmatched };
}
