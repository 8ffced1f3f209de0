import cliProgress from 'cli-progress';

/** What the commands use of a progress bar. */
export interface Progress {
  readonly isActive: boolean;
  start(total: number, value: number, payload?: Record<string, unknown>): void;
  setTotal(total: number): void;
  update(value: number, payload?: Record<string, unknown>): void;
  increment(): void;
  stop(): void;
}

/**
 * A progress bar on stderr when it is a terminal. Otherwise, with `lines`, a plain line of the
 * same fields at most every `everyMs` (and a last one when a job that printed any ends), so a
 * long job run under nohup or CI still shows where it is; without, nothing.
 */
export function progressBar(format: string, opts: { lines?: boolean; everyMs?: number } = {}): Progress | null {
  if (process.stderr.isTTY) {
    return new cliProgress.SingleBar({ format, stream: process.stderr, hideCursor: true, clearOnComplete: false, etaBuffer: 20 }, cliProgress.Presets.shades_classic);
  }
  return opts.lines ? new LineProgress(format, (line) => process.stderr.write(`${line}\n`), opts.everyMs ?? 15000) : null;
}

export class LineProgress implements Progress {
  isActive = false;
  private total = 0;
  private value = 0;
  private payload: Record<string, unknown> = {};
  private started = 0;
  private lastPrint = 0;
  private printed = false;

  constructor(
    private readonly format: string,
    private readonly write: (line: string) => void,
    private readonly everyMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  start(total: number, value: number, payload: Record<string, unknown> = {}): void {
    this.total = total;
    this.value = value;
    this.payload = { ...payload };
    this.isActive = true;
    this.printed = false;
    this.started = this.lastPrint = this.now();
  }

  setTotal(total: number): void {
    this.total = total;
  }

  update(value: number, payload: Record<string, unknown> = {}): void {
    this.value = value;
    Object.assign(this.payload, payload);
    if (this.now() - this.lastPrint >= this.everyMs) this.print();
  }

  increment(): void {
    this.update(this.value + 1);
  }

  stop(): void {
    if (this.isActive && this.printed) this.print();
    this.isActive = false;
  }

  private print(): void {
    this.lastPrint = this.now();
    this.printed = true;
    const seconds = Math.round((this.lastPrint - this.started) / 1000);
    const fields: Record<string, unknown> = {
      ...this.payload,
      bar: '',
      value: this.value,
      total: this.total,
      percentage: this.total > 0 ? Math.floor((100 * this.value) / this.total) : 0,
      duration_formatted: `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`,
    };
    this.write(this.format.replace(/\{(\w+)\}/g, (m, k: string) => (k in fields ? String(fields[k]) : m)).replace(/\s+/g, ' ').trim());
  }
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
