/**
 * The guard network: a bag of hashed features → mean-pooled embedding (fastText-style)
 * → one ReLU hidden layer → 12 category logits. Small enough to train in minutes on two CPU
 * cores and to answer one text in about a millisecond, yet not linear in the features.
 *
 * Browser-safe: only tfjs-core is imported; the weights are plain Float32Arrays.
 */
import * as tf from "@tensorflow/tfjs-core"
import { CATEGORY_IDS } from "../../schemas/taxonomy.ts"
import type { SparseBatch } from "./features.ts"

export const NUM_CATEGORIES = CATEGORY_IDS.length

/** Shapes of the network. `hidden: 0` means pooled embedding → logits directly. */
export interface ModelShape {
  readonly buckets: number
  readonly dim: number
  readonly hidden: number
}

/** All weights as host arrays, row-major. The single source of truth for training and saving. */
export interface GuardWeights {
  readonly shape: ModelShape
  readonly embedding: Float32Array // [buckets, dim]
  readonly w1: Float32Array // [dim, hidden] (empty when hidden = 0)
  readonly b1: Float32Array // [hidden]
  readonly w2: Float32Array // [hidden || dim, 12]
  readonly b2: Float32Array // [12]
  /** Added to every logit at inference: the validation calibration (see calibrate.ts). */
  readonly logitShift: number
  /** The shift under each class prior ("balanced", "observed"), saved for users to choose (format.ts). */
  readonly operatingPoints?: Readonly<Record<string, number>>
}

export const headInputSize = (s: ModelShape) => (s.hidden > 0 ? s.hidden : s.dim)

/**
 * The sparse layout of one batch for the embedding bag: CSR entries (feature id, text index)
 * in text order, a per-text scale (1/sqrt(n) of its n distinct features), and, for the
 * gradient only, the same entries sorted by feature id.
 */
export interface BagIndex {
  readonly size: number
  readonly ids: tf.Tensor1D
  readonly segmentIds: tf.Tensor1D
  readonly scale: tf.Tensor2D // [size, 1]
  readonly byId?: { readonly segmentIds: tf.Tensor1D; readonly ids: tf.Tensor1D }
}

/**
 * Sum of the embedding rows of each text's features, times the text's scale, with a
 * hand-written gradient.
 *
 * Both directions are one `sparseSegmentSum` kernel. tfjs would differentiate a `gather`
 * through UnsortedSegmentSum, which the WASM backend lacks and the CPU backend runs row by
 * row, and WASM's own GatherV2 is ~50x slower than its SparseSegmentSum. The gradient of
 * "sum rows ids[i] into segment seg[i]" is "sum dy rows seg[i] into segment ids[i]": the same
 * kernel on the entries re-sorted by id (which `bagIndex` precomputes on the host).
 */
export const embeddingBag = (table: tf.Tensor2D, bag: BagIndex): tf.Tensor2D => {
  // Inference needs no gradient: skip the custom-gradient wrapper and its bookkeeping.
  if (!bag.byId) return tf.mul(tf.sparse.sparseSegmentSum(table, bag.ids, bag.segmentIds), bag.scale) as tf.Tensor2D
  const byId = bag.byId
  const op = tf.customGrad(((t: tf.Tensor, save: tf.GradSaveFunc) => {
    const sums = tf.sparse.sparseSegmentSum(t, bag.ids, bag.segmentIds) as tf.Tensor2D
    save([t])
    return {
      value: tf.mul(sums, bag.scale),
      gradFunc: (dy: tf.Tensor, saved: Array<tf.Tensor>) => {
        const rows = saved[0].shape[0]
        const g = tf.sparse.sparseSegmentSum(tf.mul(dy, bag.scale), byId.segmentIds, byId.ids)
        // The kernel emits rows up to the largest id present; rows past it get no gradient.
        return g.shape[0] === rows ? g : tf.pad(g, [[0, rows - g.shape[0]], [0, 0]])
      }
    }
  }) as unknown as Parameters<typeof tf.customGrad>[0])
  return op(table) as tf.Tensor2D
}

/**
 * Host-side construction of a BagIndex from a CSR batch. `ids` may be remapped (training uses
 * batch-local row numbers); `withGradient` adds the by-id ordering (a counting sort).
 */
export const bagIndex = (b: SparseBatch, ids: Int32Array, rows: number, withGradient: boolean): BagIndex => {
  const n = ids.length
  const seg = new Int32Array(n)
  const scale = new Float32Array(b.size)
  for (let i = 0; i < b.size; i++) {
    const lo = b.offsets[i], hi = b.offsets[i + 1]
    seg.fill(i, lo, hi)
    scale[i] = hi > lo ? 1 / Math.sqrt(hi - lo) : 0
  }
  let byId: BagIndex["byId"]
  if (withGradient) {
    const counts = new Int32Array(rows + 1)
    for (let i = 0; i < n; i++) counts[ids[i] + 1]++
    for (let r = 0; r < rows; r++) counts[r + 1] += counts[r]
    const sortedSeg = new Int32Array(n)
    const sortedIds = new Int32Array(n)
    for (let i = 0; i < n; i++) {
      const at = counts[ids[i]]++
      sortedSeg[at] = seg[i]
      sortedIds[at] = ids[i]
    }
    byId = { segmentIds: tf.tensor1d(sortedSeg, "int32"), ids: tf.tensor1d(sortedIds, "int32") }
  }
  return {
    size: b.size,
    ids: tf.tensor1d(ids, "int32"),
    segmentIds: tf.tensor1d(seg, "int32"),
    scale: tf.tensor2d(scale, [b.size, 1]),
    ...(byId ? { byId } : {})
  }
}

export const disposeBag = (bag: BagIndex): void => {
  tf.dispose([bag.ids, bag.segmentIds, bag.scale])
  if (bag.byId) tf.dispose([bag.byId.ids, bag.byId.segmentIds])
}

export interface HeadTensors {
  readonly w1: tf.Tensor2D | null
  readonly b1: tf.Tensor1D | null
  readonly w2: tf.Tensor2D
  readonly b2: tf.Tensor1D
}

/** Pooled embedding → logits [batch, 12]. */
export const head = (pooled: tf.Tensor2D, h: HeadTensors): tf.Tensor2D => {
  const hidden = h.w1 && h.b1 ? tf.relu(tf.add(tf.matMul(pooled, h.w1), h.b1)) : pooled
  return tf.add(tf.matMul(hidden as tf.Tensor2D, h.w2), h.b2) as tf.Tensor2D
}

export const headTensors = (w: GuardWeights): HeadTensors => {
  const s = w.shape
  return {
    w1: s.hidden > 0 ? tf.tensor2d(w.w1, [s.dim, s.hidden]) : null,
    b1: s.hidden > 0 ? tf.tensor1d(w.b1) : null,
    w2: tf.tensor2d(w.w2, [headInputSize(s), NUM_CATEGORIES]),
    b2: tf.tensor1d(w.b2)
  }
}

/** Glorot-uniform dense layers, small-normal embeddings, zero biases; all from `rand`. */
export const initWeights = (shape: ModelShape, rand: { next(): number; normal(): number }): GuardWeights => {
  const glorot = (fanIn: number, fanOut: number) => {
    const limit = Math.sqrt(6 / (fanIn + fanOut))
    return Float32Array.from({ length: fanIn * fanOut }, () => (2 * rand.next() - 1) * limit)
  }
  const embedding = new Float32Array(shape.buckets * shape.dim)
  for (let i = 0; i < embedding.length; i++) embedding[i] = 0.1 * rand.normal()
  return {
    shape,
    embedding,
    w1: shape.hidden > 0 ? glorot(shape.dim, shape.hidden) : new Float32Array(0),
    b1: new Float32Array(shape.hidden),
    w2: glorot(headInputSize(shape), NUM_CATEGORIES),
    b2: new Float32Array(NUM_CATEGORIES),
    logitShift: 0
  }
}

/** Weights uploaded to the backend for inference. */
export interface GuardTensors {
  readonly table: tf.Tensor2D
  readonly head: HeadTensors
  readonly logitShift: number
}

export const uploadWeights = (w: GuardWeights): GuardTensors => ({
  table: tf.tensor2d(w.embedding, [w.shape.buckets, w.shape.dim]),
  head: headTensors(w),
  logitShift: w.logitShift
})

export const disposeTensors = (t: GuardTensors): void => {
  tf.dispose([t.table, t.head.w2, t.head.b2])
  if (t.head.w1) tf.dispose([t.head.w1])
  if (t.head.b1) tf.dispose([t.head.b1])
}

/** Calibrated logits [batch × 12], row-major, for a featurized batch. No tensor outlives the call. */
export const logitsOf = (t: GuardTensors, batch: SparseBatch): Float32Array =>
  tf.tidy(() => {
    const bag = bagIndex(batch, batch.ids, t.table.shape[0], false)
    const logits = head(embeddingBag(t.table, bag), t.head)
    return (t.logitShift === 0 ? logits : tf.add(logits, t.logitShift)).dataSync() as Float32Array
  })

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x))
