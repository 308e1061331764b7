/**
 * The CNN guard network (the second model family, for the paper's Table 2):
 *
 *   token ids (≤ maxLen) → embedding [vocab × dim] → Conv1D (width w, `filters`, same padding)
 *   + ReLU → global max pool over positions → (optional ReLU hidden layer) → 12 category logits
 *
 * unsafe probability = max of the 12 sigmoids of (logit + shift), flagged when > 0.5, as for
 * the main family (model.ts).
 *
 * How it runs on tfjs's WASM backend, which has neither a filter gradient for convolutions nor
 * a gradient for `gather`, and where tfjs's generic gradients of `max` and of transposed
 * matmuls cost 20–40× their forward pass:
 * - The convolution is an im2col matmul over the *packed* real positions of the batch (no
 *   padding to the longest text: the median text is 15 tokens, the cap 64). Each position's
 *   window of w token ids is looked up as w embedding rows, reshaped to [positions, w·dim] and
 *   multiplied by the [w·dim, filters] kernel, with a hand-written gradient that transposes
 *   explicitly. Out-of-text window slots read a zero row.
 * - Lookups go through model.ts `embeddingBag` (a `sparseSegmentSum` with a hand-written
 *   gradient) with one entry per segment, i.e. a differentiable gather.
 * - Bias, ReLU and the max pool over each text's positions are one host-side op
 *   (relu(max_p z_p + b) = max_p relu(z_p + b)) whose gradient routes each pooled value's
 *   gradient to its argmax position (none where the ReLU is off, or for an empty text).
 * - The embedding table stays on the host; a batch uploads only the rows it touches (as in
 *   train.ts), so a step costs the batch, not the 262k-row table.
 *
 * Browser-safe: tfjs-core only; weights are plain Float32Arrays.
 */
import * as tf from "@tensorflow/tfjs-core"
import { bagIndex, disposeBag, embeddingBag, NUM_CATEGORIES } from "../model.ts"

export interface CnnShape {
  /** Rows of the embedding table: the tokenizer's vocabulary size. */
  readonly vocab: number
  readonly dim: number
  /** Convolution width (odd: the window is centred on each token). */
  readonly width: number
  readonly filters: number
  /** ReLU units between the pooled filters and the logits; 0 = linear head. */
  readonly hidden: number
}

export interface CnnWeights {
  readonly shape: CnnShape
  readonly embedding: Float32Array // [vocab, dim]
  readonly convW: Float32Array // [width·dim, filters]
  readonly convB: Float32Array // [filters]
  readonly w1: Float32Array // [filters, hidden] (empty when hidden = 0)
  readonly b1: Float32Array // [hidden]
  readonly w2: Float32Array // [hidden || filters, 12]
  readonly b2: Float32Array // [12]
  /** Added to every logit at inference (calibrate.ts). */
  readonly logitShift: number
  readonly operatingPoints?: Readonly<Record<string, number>>
}

export const headInput = (s: CnnShape): number => (s.hidden > 0 ? s.hidden : s.filters)

/** Glorot-uniform dense layers, N(0, 0.1²) embeddings, zero biases; all from `rand`. */
export const initCnn = (shape: CnnShape, rand: { next(): number; normal(): number }): CnnWeights => {
  if (shape.width < 1 || shape.width % 2 !== 1) throw new RangeError(`convolution width must be odd and positive, got ${shape.width}`)
  const glorot = (fanIn: number, fanOut: number) => {
    const limit = Math.sqrt(6 / (fanIn + fanOut))
    return Float32Array.from({ length: fanIn * fanOut }, () => (2 * rand.next() - 1) * limit)
  }
  const embedding = new Float32Array(shape.vocab * shape.dim)
  for (let i = 0; i < embedding.length; i++) embedding[i] = 0.1 * rand.normal()
  return {
    shape,
    embedding,
    convW: glorot(shape.width * shape.dim, shape.filters),
    convB: new Float32Array(shape.filters),
    w1: shape.hidden > 0 ? glorot(shape.filters, shape.hidden) : new Float32Array(0),
    b1: new Float32Array(shape.hidden),
    w2: glorot(headInput(shape), NUM_CATEGORIES),
    b2: new Float32Array(NUM_CATEGORIES),
    logitShift: 0
  }
}

/**
 * One batch laid out on the host: the distinct vocabulary rows it touches, each position's
 * window as local row numbers (`rows.length` = the zero row), and where each text's positions
 * start in the packed order.
 */
export interface CnnBatch {
  readonly size: number
  readonly positions: number
  /** Distinct vocabulary ids, in order of first use. */
  readonly rows: Int32Array
  readonly windows: Int32Array // [positions × width]
  readonly starts: Int32Array // [size + 1]
}

/**
 * Lay out `texts` (token ids each). `stamp`/`local` are scratch arrays of vocab size, reused
 * across batches (a `stamp` value marks ids already numbered in this batch).
 */
export class Batcher {
  private readonly stamp: Int32Array
  private readonly local: Int32Array
  private tick = 0
  constructor(readonly vocab: number, readonly width: number) {
    this.stamp = new Int32Array(vocab).fill(-1)
    this.local = new Int32Array(vocab)
  }

  batch(texts: ReadonlyArray<Int32Array>): CnnBatch {
    const tick = this.tick++
    let positions = 0
    for (const t of texts) positions += t.length
    const uniq = new Int32Array(positions)
    let count = 0
    const localOf = new Int32Array(positions)
    let p = 0
    for (const t of texts) {
      for (let i = 0; i < t.length; i++) {
        const id = t[i]
        if (id < 0 || id >= this.vocab) throw new RangeError(`token id ${id} outside the vocabulary (${this.vocab})`)
        if (this.stamp[id] !== tick) {
          this.stamp[id] = tick
          this.local[id] = count
          uniq[count++] = id
        }
        localOf[p++] = this.local[id]
      }
    }
    const w = this.width
    const half = (w - 1) >> 1
    const windows = new Int32Array(positions * w)
    const starts = new Int32Array(texts.length + 1)
    let start = 0
    texts.forEach((t, j) => {
      starts[j] = start
      for (let i = 0; i < t.length; i++) {
        for (let k = 0; k < w; k++) {
          const at = i + k - half
          windows[(start + i) * w + k] = at >= 0 && at < t.length ? localOf[start + at] : count
        }
      }
      start += t.length
    })
    starts[texts.length] = positions
    return { size: texts.length, positions, rows: uniq.slice(0, count), windows, starts }
  }
}

/** The batch's embedding rows, plus the zero row at the end: [rows + 1, dim]. */
export const gatherRows = (embedding: Float32Array, dim: number, rows: Int32Array): Float32Array => {
  const sub = new Float32Array((rows.length + 1) * dim)
  for (let u = 0; u < rows.length; u++) sub.set(embedding.subarray(rows[u] * dim, rows[u] * dim + dim), u * dim)
  return sub
}

/** A differentiable gather: one bag per index (scale 1). */
const gatherBag = (ids: Int32Array, tableRows: number, withGradient: boolean) =>
  bagIndex({ size: ids.length, offsets: Int32Array.from({ length: ids.length + 1 }, (_, i) => i), ids }, ids, tableRows, withGradient)

export interface CnnParams {
  readonly table: tf.Tensor2D // [rows + 1, dim] (the batch's rows; last = zero row)
  readonly convW: tf.Tensor2D
  readonly convB: tf.Tensor1D
  readonly w1: tf.Tensor2D | null
  readonly b1: tf.Tensor1D | null
  readonly w2: tf.Tensor2D
  readonly b2: tf.Tensor1D
}

/** The index tensors of a batch (disposed by `disposeIndex`). */
export interface CnnIndex {
  readonly windows: ReturnType<typeof gatherBag>
}

export const batchIndex = (b: CnnBatch, withGradient: boolean): CnnIndex => ({
  windows: gatherBag(b.windows, b.rows.length + 1, withGradient)
})

export const disposeIndex = (ix: CnnIndex): void => disposeBag(ix.windows)

/** x·w with a gradient that transposes explicitly (WASM's transposed matmul is ~15× slower). */
const matMulFast = (x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D =>
  (tf.customGrad(((a: tf.Tensor2D, b: tf.Tensor2D, save: tf.GradSaveFunc) => {
    save([a, b])
    return {
      value: tf.matMul(a, b),
      gradFunc: (dy: tf.Tensor2D, saved: Array<tf.Tensor>) => [
        tf.matMul(dy, tf.transpose(saved[1] as tf.Tensor2D)),
        tf.matMul(tf.transpose(saved[0] as tf.Tensor2D), dy)
      ]
    }
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D)(x, w)

/**
 * relu(max over each text's positions of z + bias) → [size, filters], on the host, with its
 * gradient (to z at the argmax position, and to the bias, where the ReLU is on). An empty
 * text pools to 0.
 */
export const maxPoolRelu = (b: CnnBatch, z: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D =>
  (tf.customGrad(((zIn: tf.Tensor2D, biasIn: tf.Tensor1D) => {
    const F = biasIn.shape[0]
    const zs = zIn.dataSync() as Float32Array
    const bs = biasIn.dataSync() as Float32Array
    const pooled = new Float32Array(b.size * F)
    const arg = new Int32Array(b.size * F).fill(-1)
    const best = new Float32Array(F)
    const at = new Int32Array(F)
    for (let j = 0; j < b.size; j++) {
      const lo = b.starts[j], hi = b.starts[j + 1]
      if (hi === lo) continue
      best.set(zs.subarray(lo * F, lo * F + F))
      at.fill(lo)
      for (let p = lo + 1; p < hi; p++) {
        const row = p * F
        for (let f = 0; f < F; f++) {
          const v = zs[row + f]
          if (v > best[f]) {
            best[f] = v
            at[f] = p
          }
        }
      }
      for (let f = 0; f < F; f++) {
        const v = best[f] + bs[f]
        if (v > 0) {
          pooled[j * F + f] = v
          arg[j * F + f] = at[f]
        }
      }
    }
    return {
      value: tf.tensor2d(pooled, [b.size, F]),
      gradFunc: (dy: tf.Tensor2D) => {
        const g = dy.dataSync() as Float32Array
        const dz = new Float32Array(b.positions * F)
        const db = new Float32Array(F)
        for (let i = 0; i < arg.length; i++) {
          const p = arg[i]
          if (p < 0) continue
          const f = i % F
          dz[p * F + f] += g[i]
          db[f] += g[i]
        }
        return [tf.tensor2d(dz, [b.positions, F]), tf.tensor1d(db)]
      }
    }
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (z: tf.Tensor2D, bias: tf.Tensor1D) => tf.Tensor2D)(z, bias)

/**
 * Logits [size, 12] of a laid-out batch. `dropMask` ([size, filters], already scaled by
 * 1/keep) is applied to the pooled features in training.
 */
export const cnnLogits = (shape: CnnShape, b: CnnBatch, ix: CnnIndex, p: CnnParams, dropMask?: tf.Tensor2D): tf.Tensor2D => {
  const F = shape.filters
  let pooled: tf.Tensor2D
  if (b.positions === 0) {
    // No token anywhere: zeros, still a (flat) function of every parameter so gradients exist.
    pooled = tf.mul(tf.zeros([b.size, F]), tf.add(tf.add(tf.sum(p.table), tf.sum(p.convW)), tf.sum(p.convB)))
  } else {
    const x = tf.reshape(embeddingBag(p.table, ix.windows), [b.positions, shape.width * shape.dim]) as tf.Tensor2D
    pooled = maxPoolRelu(b, matMulFast(x, p.convW), p.convB)
  }
  if (dropMask) pooled = tf.mul(pooled, dropMask)
  const hidden = p.w1 && p.b1 ? (tf.relu(tf.add(tf.matMul(pooled, p.w1), p.b1)) as tf.Tensor2D) : pooled
  return tf.add(tf.matMul(hidden, p.w2), p.b2) as tf.Tensor2D
}

/** The dense parameters (everything but the table) as tensors. */
export const denseTensors = (w: CnnWeights): Omit<CnnParams, "table"> => {
  const s = w.shape
  return {
    convW: tf.tensor2d(w.convW, [s.width * s.dim, s.filters]),
    convB: tf.tensor1d(w.convB),
    w1: s.hidden > 0 ? tf.tensor2d(w.w1, [s.filters, s.hidden]) : null,
    b1: s.hidden > 0 ? tf.tensor1d(w.b1) : null,
    w2: tf.tensor2d(w.w2, [headInput(s), NUM_CATEGORIES]),
    b2: tf.tensor1d(w.b2)
  }
}

/** Raw logits (no shift) [n × 12], row-major, of token-id texts, in batches; nothing left on the backend. */
export const predictLogits = (w: CnnWeights, texts: ReadonlyArray<Int32Array>, batchSize = 1024, batcher?: Batcher): Float32Array => {
  const s = w.shape
  const bt = batcher ?? new Batcher(s.vocab, s.width)
  const out = new Float32Array(texts.length * NUM_CATEGORIES)
  const dense = denseTensors(w)
  try {
    for (let from = 0; from < texts.length; from += batchSize) {
      const b = bt.batch(texts.slice(from, from + batchSize))
      const ix = batchIndex(b, false)
      try {
        const logits = tf.tidy(() => {
          const table = tf.tensor2d(gatherRows(w.embedding, s.dim, b.rows), [b.rows.length + 1, s.dim])
          return cnnLogits(s, b, ix, { table, ...dense }).dataSync() as Float32Array
        })
        out.set(logits, from * NUM_CATEGORIES)
      } finally {
        disposeIndex(ix)
      }
    }
    return out
  } finally {
    tf.dispose((Object.values(dense) as Array<tf.Tensor | null>).filter((t): t is tf.Tensor => t !== null))
  }
}
