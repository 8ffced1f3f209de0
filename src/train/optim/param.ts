/**
 * What an optimizer needs from a parameter. The engine's Tensor satisfies this
 * structurally (it has `data` and `grad`), so the optimizers stay plain numeric code.
 */
export interface Param {
  data: Float32Array;
  grad: Float32Array | null;
  name?: string;
}
