/**
 * An output that would replace existing files. The library's callers pass `force` /
 * `overwrite`; the CLI tells its users about `--force` instead.
 */
export class OutputExistsError extends Error {
  constructor(readonly paths: readonly string[], what = 'output file exists') {
    const shown = paths.slice(0, 3).join(', ') + (paths.length > 3 ? ` and ${paths.length - 3} more` : '');
    super(`${shown}: ${what}; refusing to overwrite ${paths.length > 1 ? 'them' : 'it'}`);
    this.name = 'OutputExistsError';
  }
}
