import { DegradeError } from '../common.js';
import { arcMotion, cameraShake, defocus, gaussianAniso, gaussianIso, linearMotion, motionDefocus } from './blur.js';
import { checkMix, type Family, type Mix, type Task } from './family.js';
import { correlatedGaussian, gaussianGray, gaussianJpeg, gaussianRgb, jpeg, poissonGaussian, poissonGaussianJpeg, speckle } from './noise.js';
import { rainFamily } from './rain.js';

/**
 * The named families and the task presets. A preset's `train` mix is what training draws
 * from; its `heldout` mix uses families (kernel kinds, noise laws, streak models, compositing
 * rules) that `train` never draws, so a validation set made from it (`diff-mamba degrade
 * --preset <task> --split heldout`) measures how a model does on degradations it has not
 * seen. The choices (docs/degradations.md has the full tables):
 *
 * - denoise: held out are spatially/cross-channel correlated noise, multiplicative speckle,
 *   and Poisson–Gaussian noise followed by JPEG (each step is trained, the combination not).
 * - derain: held out are the `over` (alpha) compositing rule (training composites additively
 *   or by screen only) and the `defocused` streak model (training has sharp, motion-blurred and
 *   layered streaks).
 * - deblur: held out are curved (circular-arc) motion and motion combined with defocus
 *   (training has straight motion, random-walk shake, defocus discs and Gaussians).
 */

export const rainSharp = rainFamily('rain-sharp', 'crisp rain streaks, thin to wide, one layer, composited additively or by screen', { model: { kind: 'choice', values: ['sharp'], doc: 'streak model' } });
export const rainMotion = rainFamily('rain-motion', 'motion-blurred drops (fading tails, soft edges), one layer, composited additively or by screen', { model: { kind: 'choice', values: ['motion'], doc: 'streak model' } });
export const rainLayered = rainFamily('rain-layered', '2–3 layers of sharp or motion-blurred streaks at different angles, lengths and densities, additive or screen', { model: { kind: 'choice', values: ['layered'], doc: 'streak model' } });
/** Held out: the training streak models, composited by `over` (alpha). */
export const rainOver = rainFamily('rain-over', 'the training streak models (sharp, motion, layered) composited by over (alpha), which training never uses', {
  model: { kind: 'choice', values: ['sharp', 'motion', 'layered'], doc: 'streak model' },
  composite: { kind: 'choice', values: ['over'], doc: 'compositing rule' },
});
/** Held out: a streak model training never draws: wide, sparse, disc-blurred streaks near the lens. */
export const rainDefocused = rainFamily('rain-defocused', 'out-of-focus streaks close to the lens: wide, sparse, faint, disc-blurred (a streak model training never draws), additive or screen', {
  model: { kind: 'choice', values: ['defocused'], doc: 'streak model' },
  density: { kind: 'log-uniform', range: [1e-4, 1.5e-3], unit: 'streaks / px', doc: 'streak centres per pixel' },
  length: { kind: 'uniform', range: [20, 80], unit: 'px', doc: 'streak length' },
  width: { kind: 'uniform', range: [3, 6], unit: 'px', doc: 'streak thickness before the disc blur' },
  brightness: { kind: 'uniform', range: [0.15, 0.5], unit: '', doc: 'peak streak intensity' },
});

/** Every named family, by name. */
export const FAMILIES: Readonly<Record<string, Family>> = Object.fromEntries(
  [
    gaussianRgb, gaussianGray, poissonGaussian, jpeg, gaussianJpeg, correlatedGaussian, speckle, poissonGaussianJpeg,
    rainSharp, rainMotion, rainLayered, rainOver, rainDefocused,
    linearMotion, cameraShake, defocus, gaussianIso, gaussianAniso, arcMotion, motionDefocus,
  ].map((f) => [f.name, f]),
);

export type PresetName = 'denoise' | 'derain' | 'deblur';
export const PRESET_NAMES: readonly PresetName[] = ['denoise', 'derain', 'deblur'];
export type Split = 'train' | 'heldout';
export const SPLITS: readonly Split[] = ['train', 'heldout'];

export interface Preset {
  name: PresetName;
  task: Task;
  train: Mix;
  heldout: Mix;
}

const mix = (entries: [Family, number][]): Mix => entries.map(([family, weight]) => ({ family, weight }));

export const PRESETS: Readonly<Record<PresetName, Preset>> = {
  denoise: {
    name: 'denoise',
    task: 'noise',
    train: mix([[gaussianRgb, 3], [gaussianGray, 1], [poissonGaussian, 2], [jpeg, 1], [gaussianJpeg, 2]]),
    heldout: mix([[correlatedGaussian, 1], [speckle, 1], [poissonGaussianJpeg, 1]]),
  },
  derain: {
    name: 'derain',
    task: 'rain',
    train: mix([[rainSharp, 1], [rainMotion, 1], [rainLayered, 1]]),
    heldout: mix([[rainOver, 1], [rainDefocused, 1]]),
  },
  deblur: {
    name: 'deblur',
    task: 'blur',
    train: mix([[linearMotion, 3], [cameraShake, 3], [defocus, 2], [gaussianIso, 1], [gaussianAniso, 1]]),
    heldout: mix([[arcMotion, 1], [motionDefocus, 1]]),
  },
};

for (const p of Object.values(PRESETS)) {
  checkMix(p.train, `${p.name} train`);
  checkMix(p.heldout, `${p.name} heldout`);
}

export function presetOf(name: string): Preset {
  const p = (PRESETS as Record<string, Preset | undefined>)[name];
  if (!p) throw new DegradeError('preset', `unknown preset '${name}' (one of ${PRESET_NAMES.join(', ')})`);
  return p;
}

export function familyOf(name: string): Family {
  const f = FAMILIES[name];
  if (!f) throw new DegradeError('families', `unknown degradation family '${name}' (one of ${Object.keys(FAMILIES).join(', ')})`);
  return f;
}

/**
 * A preset's mix for a split, or the training mix re-weighted: `families` as names (their
 * preset weights, 1 for a family from outside the preset's training mix) or as name → weight.
 * Families not named are dropped.
 */
export function presetMix(preset: PresetName, split: Split = 'train', families?: readonly string[] | Readonly<Record<string, number>>): Mix {
  const p = presetOf(preset);
  if (!SPLITS.includes(split)) throw new DegradeError('preset', `unknown split '${split}' (one of ${SPLITS.join(', ')})`);
  const base = split === 'train' ? p.train : p.heldout;
  if (families === undefined) return base;
  const entries: [string, number][] = Array.isArray(families)
    ? (families as readonly string[]).map((n) => [n, base.find((m) => m.family.name === n)?.weight ?? 1])
    : Object.entries(families as Record<string, number>);
  const out = entries.map(([n, w]) => ({ family: familyOf(n), weight: w }));
  checkMix(out, `${preset} ${split} families`);
  return out;
}
