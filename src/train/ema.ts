import type { Param } from './optim/param.js';

export interface EmaState {
  decay: number;
  /** One copy per parameter, in the order given to the constructor. */
  shadow: Float32Array[];
  names: (string | null)[];
}

/**
 * Exponential moving average of the weights, BasicSR's `model_ema`: after every optimizer
 * step, `ema = ema·decay + p·(1 − decay)` (decay 0.999). The copy starts equal to the
 * parameters (BasicSR's `model_ema(0)`); it is what gets evaluated and saved as `params_ema`.
 */
export class Ema {
  shadow: Float32Array[];

  constructor(readonly params: Param[], public decay = 0.999, initial?: Float32Array[]) {
    if (!(decay >= 0 && decay <= 1)) throw new RangeError(`Ema: decay must lie in [0, 1], got ${decay}`);
    if (initial) {
      this.checkShapes(initial, 'initial weights');
      this.shadow = initial.map((a) => Float32Array.from(a));
    } else {
      this.shadow = params.map((p) => Float32Array.from(p.data));
    }
  }

  /** One EMA step (float32 like torch's `mul_(decay).add_(p, alpha=1-decay)`). */
  update(decay = this.decay): void {
    const d = Math.fround(decay);
    const a = Math.fround(1 - decay);
    this.params.forEach((p, k) => {
      const s = this.shadow[k];
      const x = p.data;
      for (let i = 0; i < s.length; i++) s[i] = Math.fround(s[i] * d) + a * x[i];
    });
  }

  /** Writes the averaged weights into `targets` (e.g. an evaluation copy of the network). */
  copyTo(targets: { data: Float32Array }[]): void {
    this.checkShapes(targets.map((t) => t.data), 'copy target');
    targets.forEach((t, k) => t.data.set(this.shadow[k]));
  }

  state(): EmaState {
    return { decay: this.decay, shadow: this.shadow.map((s) => s.slice()), names: this.params.map((p) => p.name ?? null) };
  }

  loadState(s: EmaState): void {
    this.checkShapes(s.shadow, 'state');
    this.decay = s.decay;
    this.shadow = s.shadow.map((a) => Float32Array.from(a));
  }

  private checkShapes(arrays: ArrayLike<number>[], what: string): void {
    if (arrays.length !== this.params.length) throw new Error(`Ema: ${what} has ${arrays.length} tensors, the model ${this.params.length}`);
    arrays.forEach((a, k) => {
      if (a.length !== this.params[k].data.length) throw new Error(`Ema: ${what} tensor ${k} (${this.params[k].name ?? 'unnamed'}) has ${a.length} values, the parameter ${this.params[k].data.length}`);
    });
  }
}
