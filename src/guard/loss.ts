/**
 * The training objective, twice: on the backend with gradients for a training step, and on the
 * host for validation. Per row, `categoryLossWeight` × the summed BCE of the 12 category logits
 * plus `unsafeLossWeight` × the BCE of the largest logit against the unsafe label; rows are
 * averaged with their balance weights. The two must stay the same function.
 */
import * as tf from "@tensorflow/tfjs-core"
import type { TrainConfig } from "./config.ts"
import { bagIndex, disposeBag, embeddingBag, head, NUM_CATEGORIES, type GuardWeights } from "./model.ts"
import type { StepGradients } from "./optimizer.ts"
import type { TouchedRows } from "./touched-rows.ts"
import type { Batch, Encoded } from "./train-data.ts"

export type LossWeights = Pick<TrainConfig, "categoryLossWeight" | "unsafeLossWeight">

/** Numerically stable binary cross-entropy on logits, elementwise. */
const bceWithLogits = (x: tf.Tensor, y: tf.Tensor): tf.Tensor =>
  tf.add(tf.sub(tf.relu(x), tf.mul(x, y)), tf.log1p(tf.exp(tf.neg(tf.abs(x)))))

const bceHost = (x: number, y: number) => Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x)))

/**
 * The objective on the backend, for logits `[size, 12]` of a batch with targets `y` `[size, 12]`,
 * unsafe labels `unsafe` `[size]` and row weights `weight` `[size]` summing to `weightSum`.
 * Any model family's logits (model.ts, cnn/model.ts) train against this one function.
 */
export const batchObjective = (
  logits: tf.Tensor2D,
  y: tf.Tensor2D,
  unsafe: tf.Tensor1D,
  weight: tf.Tensor1D,
  weightSum: number,
  config: LossWeights
): tf.Scalar => {
  const perCat = tf.mul(tf.sum(bceWithLogits(logits, y), 1), config.categoryLossWeight)
  const perRow = tf.add(perCat, tf.mul(bceWithLogits(tf.max(logits, 1), unsafe), config.unsafeLossWeight))
  return tf.div(tf.sum(tf.mul(perRow, weight)), weightSum) as tf.Scalar
}

/**
 * The loss of batch `b` and its gradients with respect to the touched embedding rows and the
 * dense layers of `weights`. Nothing is left on the backend.
 */
export const lossAndGradients = (
  weights: GuardWeights,
  touched: TouchedRows,
  b: Batch,
  config: LossWeights
): { readonly loss: number; readonly grads: StepGradients } => {
  const { dim: D, hidden } = weights.shape
  const bag = bagIndex(b.batch, touched.localIds, touched.rows.length, true)
  const out = tf.tidy(() => {
    const y = tf.tensor2d(b.y, [b.batch.size, NUM_CATEGORIES])
    const u = tf.tensor1d(b.unsafe)
    const sw = tf.tensor1d(b.weight)
    const swSum = b.weight.reduce((a, x) => a + x, 0)
    const params = [
      tf.tensor2d(touched.table, [touched.rows.length, D]),
      ...(hidden > 0 ? [tf.tensor2d(weights.w1, [D, hidden]), tf.tensor1d(weights.b1)] : []),
      tf.tensor2d(weights.w2, [hidden > 0 ? hidden : D, NUM_CATEGORIES]),
      tf.tensor1d(weights.b2)
    ]
    const loss = (...p: Array<tf.Tensor>) => {
      const [table, ...rest] = p
      const h = hidden > 0
        ? { w1: rest[0] as tf.Tensor2D, b1: rest[1] as tf.Tensor1D, w2: rest[2] as tf.Tensor2D, b2: rest[3] as tf.Tensor1D }
        : { w1: null, b1: null, w2: rest[0] as tf.Tensor2D, b2: rest[1] as tf.Tensor1D }
      return batchObjective(head(embeddingBag(table as tf.Tensor2D, bag), h), y, u, sw, swSum, config)
    }
    const { value, grads } = tf.valueAndGrads(loss)(params)
    return [value, ...grads]
  })
  disposeBag(bag)
  const [value, ...g] = out.map((t) => t.dataSync() as Float32Array)
  tf.dispose(out)
  const grads = hidden > 0
    ? { embedding: g[0], w1: g[1], b1: g[2], w2: g[3], b2: g[4] }
    : { embedding: g[0], w1: null, b1: null, w2: g[1], b2: g[2] }
  return { loss: value[0], grads }
}

/** The same objective on the host, over precomputed logits of every row of `data`. */
export const weightedLoss = (logits: Float32Array, data: Pick<Encoded, "y" | "unsafe" | "weight">, config: LossWeights) => {
  let num = 0, den = 0
  const n = data.unsafe.length
  for (let i = 0; i < n; i++) {
    let cat = 0, max = -Infinity
    for (let c = 0; c < NUM_CATEGORIES; c++) {
      const x = logits[i * NUM_CATEGORIES + c]
      cat += bceHost(x, data.y[i * NUM_CATEGORIES + c])
      if (x > max) max = x
    }
    num += data.weight[i] * (config.categoryLossWeight * cat + config.unsafeLossWeight * bceHost(max, data.unsafe[i]))
    den += data.weight[i]
  }
  return num / den
}
