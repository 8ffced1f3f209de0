import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../io/package-root.js';

export type Task = 'denoise' | 'derain' | 'deblur';
export const TASKS: readonly Task[] = ['denoise', 'derain', 'deblur'];

/** The checkpoint shipped for a task: models/<task>/<task>.safetensors. */
export function bundledModelPath(task: Task): string {
  return join(packageRoot(), 'models', task, `${task}.safetensors`);
}

export function resolveTaskModel(task: string): string {
  if (!TASKS.includes(task as Task)) throw new Error(`unknown task '${task}' (choose ${TASKS.join(', ')})`);
  const p = bundledModelPath(task as Task);
  if (!existsSync(p)) throw new Error(`the bundled ${task} model is missing (${p}); pass --model <checkpoint>`);
  return p;
}
