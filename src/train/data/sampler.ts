import { Rng } from '../../tensor/random.js';

type RngState = ReturnType<Rng['getState']>;

export interface BatchSamplerState {
  datasetSize: number;
  batchSize: number;
  enlargeRatio: number;
  shuffle: boolean;
  epoch: number;
  /** Batches already handed out in this epoch. */
  index: number;
  /** The generator's state just before this epoch's order was drawn. */
  epochRng: RngState;
}

export interface BatchSamplerOptions {
  seed?: number;
  shuffle?: boolean;
  /** BasicSR's dataset_enlarge_ratio: one epoch visits every item this many times. */
  enlargeRatio?: number;
}

/**
 * Shuffled batches of dataset indices with drop_last (BasicSR's EnlargedSampler +
 * DataLoader for training: a permutation of `size·ratio`, taken modulo `size`). The position
 * (epoch, batch index, generator state at the epoch's start) is serialisable, so a resumed
 * run sees exactly the batches an uninterrupted one would.
 */
export class BatchSampler {
  readonly enlargeRatio: number;
  readonly shuffle: boolean;
  private rng: Rng;
  private epochRng: RngState;
  private order: number[] = [];
  epoch = 0;
  index = 0;

  constructor(readonly datasetSize: number, readonly batchSize: number, opts: BatchSamplerOptions = {}) {
    this.enlargeRatio = opts.enlargeRatio ?? 1;
    this.shuffle = opts.shuffle ?? true;
    if (!Number.isInteger(datasetSize) || datasetSize < 1) throw new RangeError(`BatchSampler: dataset size must be a positive integer, got ${datasetSize}`);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`BatchSampler: batch size must be a positive integer, got ${batchSize}`);
    if (!Number.isInteger(this.enlargeRatio) || this.enlargeRatio < 1) throw new RangeError(`BatchSampler: enlarge ratio must be a positive integer, got ${this.enlargeRatio}`);
    if (datasetSize * this.enlargeRatio < batchSize) {
      throw new RangeError(`BatchSampler: ${datasetSize} image pair(s)${this.enlargeRatio > 1 ? ` × enlarge ratio ${this.enlargeRatio}` : ''} cannot fill one batch of ${batchSize} (the last incomplete batch is dropped)`);
    }
    this.rng = new Rng(opts.seed ?? 0);
    this.epochRng = this.rng.getState();
    this.drawOrder();
  }

  /** Full batches per epoch (drop_last). */
  get batchesPerEpoch(): number {
    return Math.floor((this.datasetSize * this.enlargeRatio) / this.batchSize);
  }

  private drawOrder(): void {
    const total = this.datasetSize * this.enlargeRatio;
    const idx = Array.from({ length: total }, (_, i) => i);
    if (this.shuffle) this.rng.shuffle(idx);
    this.order = idx.map((v) => v % this.datasetSize);
  }

  /** The next batch of indices; starts a new epoch (new order) when the current one is used up. */
  next(): { indices: number[]; epoch: number; index: number } {
    if (this.index >= this.batchesPerEpoch) {
      this.epoch += 1;
      this.index = 0;
      this.epochRng = this.rng.getState();
      this.drawOrder();
    }
    const start = this.index * this.batchSize;
    const out = { indices: this.order.slice(start, start + this.batchSize), epoch: this.epoch, index: this.index };
    this.index += 1;
    return out;
  }

  state(): BatchSamplerState {
    return {
      datasetSize: this.datasetSize,
      batchSize: this.batchSize,
      enlargeRatio: this.enlargeRatio,
      shuffle: this.shuffle,
      epoch: this.epoch,
      index: this.index,
      epochRng: { s: [...this.epochRng.s], spare: this.epochRng.spare },
    };
  }

  loadState(s: BatchSamplerState): void {
    const diffs: string[] = [];
    if (s.datasetSize !== this.datasetSize) diffs.push(`dataset size ${s.datasetSize} vs ${this.datasetSize}`);
    if (s.batchSize !== this.batchSize) diffs.push(`batch size ${s.batchSize} vs ${this.batchSize}`);
    if (s.enlargeRatio !== this.enlargeRatio) diffs.push(`enlarge ratio ${s.enlargeRatio} vs ${this.enlargeRatio}`);
    if (s.shuffle !== this.shuffle) diffs.push(`shuffle ${s.shuffle} vs ${this.shuffle}`);
    if (diffs.length) throw new Error(`BatchSampler: saved state does not fit this data (${diffs.join('; ')})`);
    this.rng.setState({ s: [...s.epochRng.s], spare: s.epochRng.spare });
    this.epochRng = this.rng.getState();
    this.drawOrder();
    this.epoch = s.epoch;
    this.index = s.index;
  }
}
