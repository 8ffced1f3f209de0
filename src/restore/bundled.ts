import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Task = 'denoise' | 'derain' | 'deblur';
export const TASKS: readonly Task[] = ['denoise', 'derain', 'deblur'];

/** The package root (dist/src/restore → three folders up). */
export function packageRoot(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

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
