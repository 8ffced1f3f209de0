/** An error from a tensor op, naming the op and the shapes involved. */
export class TensorError extends Error {
  constructor(op: string, message: string, shapes: readonly (readonly number[])[] = []) {
    const shown = shapes.length ? ` (shapes ${shapes.map((s) => `[${s.join(', ')}]`).join(', ')})` : '';
    super(`${op}: ${message}${shown}`);
    this.name = 'TensorError';
  }
}
