import cliProgress from 'cli-progress';

/** A progress bar on stderr when it is a terminal; otherwise nothing (logs stay clean). */
export function progressBar(format: string): cliProgress.SingleBar | null {
  if (!process.stderr.isTTY) return null;
  return new cliProgress.SingleBar({ format, stream: process.stderr, hideCursor: true, clearOnComplete: false, etaBuffer: 20 }, cliProgress.Presets.shades_classic);
}

/** Aborts the controller on the first Ctrl-C; a second Ctrl-C exits at once. */
export function abortOnSigint(what: string): AbortController {
  const ac = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write(`\ninterrupted: ${what} (press Ctrl-C again to quit now)\n`);
    ac.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  return ac;
}

export function fail(message: string): never {
  process.stderr.write(`diff-mamba: ${message}\n`);
  process.exit(1);
}
