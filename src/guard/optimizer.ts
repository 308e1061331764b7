/**
 * The guard's optimizer, on the host: lazy (sparse) Adam for the embedding table, which updates
 * only the rows a batch touched, so a step costs in proportion to the batch rather than the
 * table; AdamW for the dense layers. Plus the learning-rate schedule. `GuardOptimizer` holds the
 * moments of the main family's layers; other model families (src/guard/cnn) hold their own
 * `Moments` and call the same two updates.
 */
import type { GuardWeights } from "./model.ts"

/** Adam moments for one parameter array. */
export class Moments {
  readonly m: Float32Array
  readonly v: Float32Array
  constructor(n: number) {
    this.m = new Float32Array(n)
    this.v = new Float32Array(n)
  }
}

const BETA1 = 0.9
const BETA2 = 0.999
const EPS = 1e-8

// In both updates `m` and `v` are the unrounded values assigned to the Float32 moments, not the
// stored ones read back: keep it so, or the weights change in their last bits.

/** AdamW step over a whole dense array (`decay` 0: plain Adam, as for biases). */
export const adamDense = (p: Float32Array, g: Float32Array, s: Moments, lr: number, t: number, decay: number) => {
  const c1 = 1 - Math.pow(BETA1, t)
  const c2 = 1 - Math.pow(BETA2, t)
  for (let i = 0; i < p.length; i++) {
    const m = (s.m[i] = BETA1 * s.m[i] + (1 - BETA1) * g[i])
    const v = (s.v[i] = BETA2 * s.v[i] + (1 - BETA2) * g[i] * g[i])
    p[i] -= lr * ((m / c1) / (Math.sqrt(v / c2) + EPS) + decay * p[i])
  }
}

/** Lazy Adam on the embedding rows `rows` only (the rows the batch touched). */
export const adamRows = (
  table: Float32Array,
  grad: Float32Array,
  rows: Int32Array,
  dim: number,
  s: Moments,
  lr: number,
  t: number
) => {
  const c1 = 1 - Math.pow(BETA1, t)
  const c2 = 1 - Math.pow(BETA2, t)
  for (let u = 0; u < rows.length; u++) {
    const base = rows[u] * dim
    const gBase = u * dim
    for (let d = 0; d < dim; d++) {
      const i = base + d
      const g = grad[gBase + d]
      const m = (s.m[i] = BETA1 * s.m[i] + (1 - BETA1) * g)
      const v = (s.v[i] = BETA2 * s.v[i] + (1 - BETA2) * g * g)
      table[i] -= (lr * (m / c1)) / (Math.sqrt(v / c2) + EPS)
    }
  }
}

/** Gradients of one step, in the order the loss takes its parameters. */
export interface StepGradients {
  /** Of the touched embedding rows, `[rows.length, dim]` in the order of `rows`. */
  readonly embedding: Float32Array
  /** Null without a hidden layer. */
  readonly w1: Float32Array | null
  readonly b1: Float32Array | null
  readonly w2: Float32Array
  readonly b2: Float32Array
}

export interface StepRates {
  /** Learning rate of the dense layers, and of the embedding table. */
  readonly dense: number
  readonly embedding: number
  /** AdamW decay of the dense matrices (biases are not decayed). */
  readonly weightDecay: number
}

/** Adam state for every parameter of a guard; `step` updates the weights in place. */
export class GuardOptimizer {
  private readonly embedding: Moments
  private readonly w1: Moments
  private readonly b1: Moments
  private readonly w2: Moments
  private readonly b2: Moments

  constructor(weights: GuardWeights) {
    this.embedding = new Moments(weights.embedding.length)
    this.w1 = new Moments(weights.w1.length)
    this.b1 = new Moments(weights.b1.length)
    this.w2 = new Moments(weights.w2.length)
    this.b2 = new Moments(weights.b2.length)
  }

  /** Update step `t` (1-based); `rows` are the embedding rows the batch touched. */
  step(weights: GuardWeights, rows: Int32Array, grads: StepGradients, t: number, rates: StepRates): void {
    adamRows(weights.embedding, grads.embedding, rows, weights.shape.dim, this.embedding, rates.embedding, t)
    if (grads.w1 && grads.b1) {
      adamDense(weights.w1, grads.w1, this.w1, rates.dense, t, rates.weightDecay)
      adamDense(weights.b1, grads.b1, this.b1, rates.dense, t, 0)
    }
    adamDense(weights.w2, grads.w2, this.w2, rates.dense, t, rates.weightDecay)
    adamDense(weights.b2, grads.b2, this.b2, rates.dense, t, 0)
  }
}

/** Learning-rate factor at `step`: linear warm-up, then cosine decay to 0 at the last planned step. */
export const schedule = (step: number, total: number, warmupFrac: number) => {
  const warm = Math.max(1, Math.round(total * warmupFrac))
  if (step <= warm) return step / warm
  return 0.5 * (1 + Math.cos((Math.PI * (step - warm)) / Math.max(1, total - warm)))
}
