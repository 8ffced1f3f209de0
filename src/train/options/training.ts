// The `train` section: stage, schedule, optimiser, mixing augmentation and losses.
import { SCHEDULER_TYPES, type SchedulerOptions } from '../lr-scheduler.js';
import { OPTIMIZERS, type OptimizerType } from '../optim/index.js';
import type { Obj, Reader } from './reader.js';
import { OPTION_BOUNDS, type OptimizerOptions, type TrainingOptions } from './types.js';

export function readTraining(r: Reader, root: Obj): TrainingOptions {
  const tr = r.obj(root, 'train', 'train');
  const stage = r.oneOf(tr, 'stage', 'train.stage', 'coarse', ['coarse', 'fine'] as const);
  const sc = r.obj(tr, 'scheduler', 'train.scheduler');
  const scType = r.oneOf(sc, 'type', 'train.scheduler.type', 'CosineAnnealingRestartCyclicLR', SCHEDULER_TYPES);
  const scheduler: SchedulerOptions = { type: scType };
  if (scType === 'CosineAnnealingRestartCyclicLR' || scType === 'CosineAnnealingRestartLR') {
    scheduler.periods = r.nums(sc, 'periods', 'train.scheduler.periods', sc ? undefined : [50000, 220000], { int: true, min: 1 });
    scheduler.restart_weights = r.nums(sc, 'restart_weights', 'train.scheduler.restart_weights', scheduler.periods.map(() => 1), { min: 0 });
    if (scheduler.restart_weights.length !== scheduler.periods.length) r.err('train.scheduler.restart_weights', `must have one entry per period (${scheduler.periods.length}), got ${scheduler.restart_weights.length}`);
    if (scType === 'CosineAnnealingRestartCyclicLR') {
      scheduler.eta_mins = r.nums(sc, 'eta_mins', 'train.scheduler.eta_mins', sc ? undefined : [3e-4, 1e-5], { min: 0 });
      if (scheduler.eta_mins.length !== scheduler.periods.length) r.err('train.scheduler.eta_mins', `must have one entry per period (${scheduler.periods.length}), got ${scheduler.eta_mins.length}`);
    } else {
      scheduler.eta_min = r.num(sc, 'eta_min', 'train.scheduler.eta_min', 0, { min: 0 });
    }
  } else {
    scheduler.milestones = r.nums(sc, 'milestones', 'train.scheduler.milestones', undefined, { int: true, min: 0 });
    scheduler.gamma = r.num(sc, 'gamma', 'train.scheduler.gamma', 0.1, { gt: 0 });
    if (r.has(sc, 'restarts')) scheduler.restarts = r.nums(sc, 'restarts', 'train.scheduler.restarts', undefined, { int: true, min: 0 });
    if (r.has(sc, 'restart_weights')) scheduler.restart_weights = r.nums(sc, 'restart_weights', 'train.scheduler.restart_weights', undefined, { min: 0 });
    if ((scheduler.restarts?.length ?? 1) !== (scheduler.restart_weights?.length ?? 1)) r.err('train.scheduler.restart_weights', 'must have one entry per restart');
  }
  const periodSum = scheduler.periods ? scheduler.periods.reduce((a, b) => a + b, 0) : undefined;
  const totalIter = r.num(tr, 'total_iter', 'train.total_iter', periodSum, { int: true, min: 1, max: OPTION_BOUNDS.iterations });
  if (periodSum !== undefined && periodSum < totalIter) {
    r.warnings.push(`train.scheduler.periods add up to ${periodSum} < train.total_iter ${totalIter}: BasicSR would fail past the last period; the lr is held at the last cycle's end value`);
  }
  const og = r.obj(tr, 'optim_g', 'train.optim_g');
  const optType = r.oneOf<OptimizerType>(og, 'type', 'train.optim_g.type', 'AdamW', Object.keys(OPTIMIZERS) as OptimizerType[]);
  const optim: OptimizerOptions = {
    type: optType,
    lr: r.num(og, 'lr', 'train.optim_g.lr', stage === 'fine' ? 1e-5 : 3e-4, { gt: 0, max: OPTION_BOUNDS.lr }),
    weightDecay: r.num(og, 'weight_decay', 'train.optim_g.weight_decay', og ? (optType === 'AdamW' ? 1e-2 : 0) : 1e-4, { min: 0 }),
    betas: r.nums(og, 'betas', 'train.optim_g.betas', [0.9, 0.999], { min: 0, max: 0.999999999, length: 2 }) as [number, number],
    eps: r.num(og, 'eps', 'train.optim_g.eps', 1e-8, { gt: 0 }),
  };
  r.ignore(og, 'amsgrad', 'train.optim_g.amsgrad', 'amsgrad is not implemented');
  const mx = r.obj(tr, 'mixing_augs', 'train.mixing_augs');
  const mixup = {
    enabled: r.bool(mx, 'mixup', 'train.mixing_augs.mixup', false),
    beta: r.num(mx, 'mixup_beta', 'train.mixing_augs.mixup_beta', 1.2, { gt: 0 }),
    useIdentity: r.bool(mx, 'use_identity', 'train.mixing_augs.use_identity', false),
  };
  const po = r.obj(tr, 'pixel_opt', 'train.pixel_opt');
  const pixelLoss = {
    type: r.oneOf(po, 'type', 'train.pixel_opt.type', 'L1Loss', ['L1Loss'] as const),
    lossWeight: r.num(po, 'loss_weight', 'train.pixel_opt.loss_weight', 1, { min: 0 }),
    reduction: r.oneOf(po, 'reduction', 'train.pixel_opt.reduction', 'mean', ['mean', 'sum', 'none'] as const),
  };
  const fl = r.obj(tr, 'fine_loss', 'train.fine_loss');
  const fineLoss = {
    ssimWeight: r.num(fl, 'ssim_weight', 'train.fine_loss.ssim_weight', 0.84, { min: 0 }),
    l1Weight: r.num(fl, 'l1_weight', 'train.fine_loss.l1_weight', 0.16, { min: 0 }),
    msSsimMaxVal: r.num(fl, 'ms_ssim_max_val', 'train.fine_loss.ms_ssim_max_val', 255, { gt: 0 }),
    mseWeight: r.num(fl, 'mse_weight', 'train.fine_loss.mse_weight', 0, { min: 0 }),
  };
  if (fineLoss.ssimWeight + fineLoss.l1Weight + fineLoss.mseWeight === 0) r.err('train.fine_loss', 'ssim_weight, l1_weight and mse_weight are all 0: nothing to train on');
  const train: TrainingOptions = {
    stage,
    totalIter,
    warmupIter: r.num(tr, 'warmup_iter', 'train.warmup_iter', -1, { int: true }),
    useGradClip: r.bool(tr, 'use_grad_clip', 'train.use_grad_clip', true),
    gradClipNorm: r.num(tr, 'grad_clip_norm', 'train.grad_clip_norm', 0.01, { gt: 0 }),
    emaDecay: r.num(tr, 'ema_decay', 'train.ema_decay', 0.999, { min: 0, max: 1 }),
    scheduler,
    optim,
    mixup,
    pixelLoss,
    fineLoss,
  };
  return train;
}
