import { kernels } from '../backend/index.js';
import { TensorError } from './errors.js';
import { checkShape, numel, type Shape } from './shape.js';

/** One recorded operation: the inputs it read and how to push an output gradient to them. */
export interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** Given dL/d(output), returns dL/d(input) for each input (null where not needed). */
  readonly backward: (grad: Float32Array) => (Float32Array | null)[];
}

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn without recording a graph (inference, optimizer updates). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/**
 * A dense float32 tensor of any rank with reverse-mode autograd (define-by-run).
 * Memory is a plain Float32Array owned by JavaScript; kernels read and write it in place.
 */
export class Tensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
  /** Accumulated gradient of a leaf (or a retained intermediate) after backward(). */
  grad: Float32Array | null = null;
  requiresGrad: boolean;
  node: GradNode | null = null;
  /** Optional label (parameter name) used in error messages. */
  name?: string;

  constructor(data: Float32Array, shape: Shape, requiresGrad = false) {
    if (!(data instanceof Float32Array)) {
      throw new TensorError('Tensor', `data must be a Float32Array, got ${describe(data)}`, [shape]);
    }
    checkShape('Tensor', shape);
    if (numel(shape) !== data.length) {
      throw new TensorError('Tensor', `${data.length} elements do not fill the shape`, [shape]);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.requiresGrad = requiresGrad;
  }

  static zeros(shape: Shape, requiresGrad = false): Tensor {
    return new Tensor(new Float32Array(numel(shape)), shape, requiresGrad);
  }

  static full(shape: Shape, value: number, requiresGrad = false): Tensor {
    return new Tensor(new Float32Array(numel(shape)).fill(value), shape, requiresGrad);
  }

  static ones(shape: Shape, requiresGrad = false): Tensor {
    return Tensor.full(shape, 1, requiresGrad);
  }

  static scalar(value: number): Tensor {
    return new Tensor(Float32Array.of(value), []);
  }

  /** Copies numbers (nested arrays are flattened) into a new tensor of the given shape. */
  static from(values: ArrayLike<number>, shape: Shape, requiresGrad = false): Tensor {
    return new Tensor(Float32Array.from(values), shape, requiresGrad);
  }

  get size(): number {
    return this.data.length;
  }

  get ndim(): number {
    return this.shape.length;
  }

  item(): number {
    if (this.data.length !== 1) throw new TensorError('item', 'needs a tensor of one element', [this.shape]);
    return this.data[0];
  }

  /** A new leaf sharing this tensor's memory, cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, false);
  }

  /** A new leaf holding a copy of the data. */
  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape, false);
  }

  zeroGrad(): void {
    this.grad = null;
  }

  /**
   * Back-propagates from this scalar through the recorded graph, accumulating into the
   * .grad of every leaf that requires it. The graph is freed afterwards unless retained.
   */
  backward(options: { retainGraph?: boolean; grad?: Float32Array } = {}): void {
    if (!this.requiresGrad) throw new TensorError('backward', 'the tensor does not require grad (no graph was recorded)', [this.shape]);
    if (!options.grad && this.data.length !== 1) {
      throw new TensorError('backward', 'can only start from a scalar (pass grad for other shapes)', [this.shape]);
    }
    const order: (Tensor | null)[] = topoOrder(this);
    const grads = new Map<Tensor, Float32Array>();
    grads.set(this, options.grad ?? Float32Array.of(1));
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i]!;
      const g = grads.get(t);
      if (!g) continue;
      const node = t.node;
      if (!node) {
        if (t.requiresGrad) accumulate(t, g);
        continue;
      }
      grads.delete(t);
      const inGrads = node.backward(g);
      for (let j = 0; j < node.inputs.length; j++) {
        const inp = node.inputs[j];
        const ig = inGrads[j];
        if (!ig || !inp.requiresGrad) continue;
        if (ig.length !== inp.data.length) {
          throw new TensorError(`${node.op} (backward)`, `gradient has ${ig.length} elements for an input of ${inp.data.length}`, [inp.shape]);
        }
        const prev = grads.get(inp);
        if (prev) {
          grads.set(inp, sum(prev, ig));
        } else {
          // a backward may hand back its incoming gradient, or one array for two inputs: own a copy then
          const owned = ig !== g && inGrads.indexOf(ig) === j;
          grads.set(inp, owned ? ig : ig.slice());
        }
      }
      if (!options.retainGraph) {
        t.node = null;
        // drop our reference so activations are freed as the backward walks down the graph
        order[i] = null;
      }
    }
  }
}

function accumulate(t: Tensor, g: Float32Array): void {
  if (!t.grad) t.grad = g.slice();
  else t.grad = sum(t.grad, g);
}

/** Inputs before outputs, every tensor once. */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const inputs = t.node?.inputs ?? [];
    if (i < inputs.length) {
      top[1]++;
      const nxt = inputs[i];
      if (nxt.requiresGrad && !seen.has(nxt)) {
        seen.add(nxt);
        stack.push([nxt, 0]);
      }
    } else {
      order.push(t);
      stack.pop();
    }
  }
  return order;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}

/**
 * Wraps a freshly computed output: when grad mode is on and any input requires grad,
 * records the node so backward() can reach the inputs.
 */
export function result(
  op: string,
  data: Float32Array,
  shape: Shape,
  inputs: readonly Tensor[],
  backward: (grad: Float32Array) => (Float32Array | null)[],
): Tensor {
  const out = new Tensor(data, shape);
  if (gradEnabled && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.node = { op, inputs, backward };
  }
  return out;
}

/** a + b of two gradients: the backend's vectorised add for large ones, in place for small ones. */
function sum(a: Float32Array, b: Float32Array): Float32Array {
  if (a.length < 4096) {
    for (let k = 0; k < a.length; k++) a[k] += b[k];
    return a;
  }
  return kernels().binary('add', a, [1], b, [1], [a.length]);
}
