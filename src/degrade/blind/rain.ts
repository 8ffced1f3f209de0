import type { Rng } from '../../tensor/random.js';
import { lineKernel } from '../blur.js';
import { DegradeError, type Kernel } from '../common.js';
import { composeKernels, discKernel, gaussianKernel } from '../kernels.js';
import { defineFamily, round4, type Drawer, type Family, type Params, type Ranges } from './family.js';

/**
 * Rain families: one generator with streak models, compositing rules, an optional veil
 * (rain haze) and an optional streak tint; the named families differ in which models and
 * rules they may draw (see families.ts for which are held out).
 *
 * Streak models:
 * - `sharp`: crisp anti-aliased lines, thin to wide.
 * - `motion`: motion-blurred drops: lines fading from head to tail, softened across by a
 *   Gaussian (`streak_blur`).
 * - `layered`: 2–3 layers (`layers`) at different depths, each sharp or motion, with its own
 *   density, length, width and brightness and an angle up to `layer_spread` off the main one.
 * - `defocused`: wide streaks blurred by a defocus disc (`defocus_radius`): out-of-focus rain
 *   close to the lens.
 *
 * Compositing rules (rain layer r in [0, 1], streak colour c ≤ 1 per channel):
 * - `additive`: x + r·c, clipped to 1;
 * - `screen`: 1 − (1 − x)(1 − r·c);
 * - `over` (alpha): x + r·(c − x): the streak covers the background with opacity r, so it
 *   darkens what is brighter than the streak.
 * Additive and screen only ever brighten; the veil (x·t + light·c·(1 − t)) may darken
 * highlights.
 *
 * Streak centres are drawn over the image and a band one kernel radius wide around it, so
 * streaks cross the borders as they would in a larger photo: the rain needs no crop margin.
 */

export const RAIN_MODELS = ['sharp', 'motion', 'layered', 'defocused'] as const;
export const RAIN_COMPOSITES = ['additive', 'screen', 'over'] as const;
export type RainModel = (typeof RAIN_MODELS)[number];
export type RainComposite = (typeof RAIN_COMPOSITES)[number];

/** The ranges of the training rain families; held-out ones replace some (families.ts). */
export const RAIN_RANGES: Ranges = {
  model: { kind: 'choice', values: ['sharp'], doc: 'streak model (sharp, motion, layered, defocused)' },
  composite: { kind: 'choice', values: ['additive', 'screen'], doc: 'compositing rule (additive, screen, over)' },
  density: { kind: 'log-uniform', range: [3e-4, 1.2e-2], unit: 'streaks / px', doc: 'streak centres per pixel, per layer: very light to heavy rain' },
  length: { kind: 'uniform', range: [8, 60], unit: 'px', doc: 'streak length, per layer' },
  width: { kind: 'uniform', range: [1, 3.5], unit: 'px', doc: 'streak thickness, per layer (thin below 2)' },
  angle: { kind: 'uniform', range: [-30, 30], unit: '° from vertical', doc: 'fall direction; positive leans the top to the right' },
  brightness: { kind: 'uniform', range: [0.2, 0.95], unit: '', doc: 'peak streak intensity (opacity under over), per layer' },
  streak_blur: { kind: 'uniform', range: [0.5, 1.5], unit: 'px', doc: 'motion model: Gaussian std across the streak' },
  defocus_radius: { kind: 'uniform', range: [2, 5], unit: 'px', doc: 'defocused model: disc radius' },
  layers: { kind: 'int', range: [2, 3], unit: '', doc: 'layered model: number of layers' },
  layer_model: { kind: 'choice', values: ['sharp', 'motion'], doc: 'layered model: each layer’s streaks' },
  layer_spread: { kind: 'uniform', range: [0, 12], unit: '°', doc: 'layered model: largest angle offset of a layer from the main angle' },
  veil: { kind: 'chance', p: 0.3, doc: 'add a veil (rain haze) under the streaks' },
  veil_transmission: { kind: 'uniform', range: [0.7, 0.95], unit: '', doc: 'veil: share of the scene that shows through' },
  veil_light: { kind: 'uniform', range: [0.6, 1], unit: '', doc: 'veil: brightness of the haze' },
  tint: { kind: 'chance', p: 0.5, doc: 'tint the streaks (and veil) away from white' },
  tint_strength: { kind: 'uniform', range: [0, 0.3], unit: '', doc: 'tint: largest drop of a channel below white' },
};

/**
 * A streak kernel with peak weight 1: a line of `length` × `width` at `angle` (degrees from
 * vertical), optionally fading from head to tail (`taper`: the tail's weight, 1 = none),
 * then optionally blurred by `soften` (a kernel, e.g. a Gaussian or a disc).
 */
export function streakKernel(length: number, angle: number, width: number, taper = 1, soften?: Kernel): Kernel {
  const k = lineKernel(length, 90 - angle, { width, normalise: false });
  if (taper !== 1) {
    const r = (k.size - 1) / 2;
    const th = ((90 - angle) * Math.PI) / 180;
    const [ux, uy] = [Math.cos(th), -Math.sin(th)];
    for (let i = 0; i < k.size; i++) for (let j = 0; j < k.size; j++) {
      const along = Math.min(1, Math.max(0, ((j - r) * ux + (i - r) * uy) / length + 0.5));
      k.weights[i * k.size + j] *= taper + (1 - taper) * along;
    }
  }
  const out = soften ? composeKernels(k, soften) : k;
  let peak = 0;
  for (const v of out.weights) peak = Math.max(peak, v);
  if (!(peak > 0)) throw new DegradeError('streakKernel', 'empty streak');
  for (let i = 0; i < out.weights.length; i++) out.weights[i] /= peak;
  return out;
}

/**
 * Adds one layer of streaks into `layer` (h × w): `round(density · area)` centres over the
 * image and a border band a kernel radius wide, each of strength U[0.5, 1], splatted with `k`.
 */
function splatStreaks(layer: Float32Array, h: number, w: number, k: Kernel, density: number, brightness: number, rng: Rng): void {
  const r = (k.size - 1) / 2;
  const taps: [number, number, number][] = [];
  for (let i = 0; i < k.size; i++) for (let j = 0; j < k.size; j++) if (k.weights[i * k.size + j] > 1e-4) taps.push([i - r, j - r, k.weights[i * k.size + j]]);
  const H = h + 2 * r;
  const W = w + 2 * r;
  const count = Math.round(density * H * W);
  const acc = new Float32Array(h * w);
  for (let s = 0; s < count; s++) {
    const cy = rng.int(0, H) - r;
    const cx = rng.int(0, W) - r;
    const strength = 0.5 + 0.5 * rng.uniform();
    for (const [dy, dx, v] of taps) {
      const y = cy + dy;
      const x = cx + dx;
      if (y >= 0 && y < h && x >= 0 && x < w) acc[y * w + x] += strength * v;
    }
  }
  for (let i = 0; i < acc.length; i++) layer[i] += Math.min(1, acc[i]) * brightness;
}

function drawLayer(model: 'sharp' | 'motion' | 'defocused', angle: number, d: Drawer): { kernel: Kernel; density: number; brightness: number; params: Params } {
  const density = d.num('density');
  const length = d.num('length');
  const width = d.num('width');
  const brightness = d.num('brightness');
  const params: Params = { density: round4(density), length: round4(length), width: round4(width), brightness: round4(brightness) };
  let kernel: Kernel;
  if (model === 'sharp') kernel = streakKernel(length, angle, width);
  else if (model === 'motion') {
    const blur = d.num('streak_blur');
    params.streak_blur = round4(blur);
    kernel = streakKernel(length, angle, width, 0.3, gaussianKernel(blur));
  } else {
    const radius = d.num('defocus_radius');
    params.defocus_radius = round4(radius);
    kernel = streakKernel(length, angle, width, 1, discKernel(radius));
  }
  return { kernel, density, brightness, params };
}

/** The rain generator; `ranges` says which models and rules a named family draws. */
export function rainFamily(name: string, summary: string, ranges: Partial<Record<string, Ranges[string]>>): Family {
  return defineFamily({
    name,
    task: 'rain',
    summary,
    ranges: { ...RAIN_RANGES, ...ranges } as Ranges,
    margin: () => 0,
    apply(img, d) {
      const { width: w, height: h, channels } = img;
      const n = w * h;
      const model = d.str('model') as RainModel;
      const composite = d.str('composite') as RainComposite;
      if (!RAIN_MODELS.includes(model)) throw new DegradeError(name, `unknown streak model '${model}'`);
      if (!RAIN_COMPOSITES.includes(composite)) throw new DegradeError(name, `unknown compositing rule '${composite}'`);
      const angle = d.num('angle');
      const layer = new Float32Array(n);
      const layers: Params[] = [];
      if (model === 'layered') {
        const count = d.num('layers');
        for (let l = 0; l < count; l++) {
          const lm = d.str('layer_model') as 'sharp' | 'motion';
          const spread = d.num('layer_spread');
          const offset = d.rng.uniform() < 0.5 ? -spread : spread;
          const L = drawLayer(lm, angle + offset, d);
          splatStreaks(layer, h, w, L.kernel, L.density, L.brightness, d.rng);
          layers.push({ layer_model: lm, ...L.params, angle_offset: round4(offset) });
        }
      } else {
        const L = drawLayer(model, angle, d);
        splatStreaks(layer, h, w, L.kernel, L.density, L.brightness, d.rng);
        layers.push(L.params);
      }
      for (let i = 0; i < n; i++) if (layer[i] > 1) layer[i] = 1;
      const veil = d.bool('veil') ? { transmission: d.num('veil_transmission'), light: d.num('veil_light') } : null;
      let colour = [1, 1, 1];
      let tinted = false;
      if (d.bool('tint')) {
        const strength = d.num('tint_strength');
        const u = [d.rng.uniform(), d.rng.uniform(), d.rng.uniform()];
        const top = Math.max(...u, 1e-9);
        colour = u.map((v) => 1 - (strength * v) / top);
        tinted = true;
      }
      if (channels !== 3) colour = new Array(channels).fill(colour.reduce((a, b) => a + b, 0) / 3);
      const out = Float32Array.from(img.data);
      for (let c = 0; c < channels; c++) {
        const col = colour[c];
        for (let i = 0; i < n; i++) {
          let x = out[c * n + i];
          if (veil) x = x * veil.transmission + veil.light * col * (1 - veil.transmission);
          const r = layer[i];
          out[c * n + i] = composite === 'additive' ? x + r * col : composite === 'screen' ? 1 - (1 - x) * (1 - r * col) : x + r * (col - x);
        }
      }
      return {
        data: out,
        params: {
          model,
          composite,
          angle: round4(angle),
          layers,
          veil: veil && { transmission: round4(veil.transmission), light: round4(veil.light) },
          tint: tinted ? colour.slice(0, 3).map(round4) : null,
        },
      };
    },
  });
}
