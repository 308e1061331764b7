/**
 * Training data on the host: rows featurized once (CSR features, 12 category targets, the
 * unsafe label, a weight per row), subsets and shuffled batches of them, and the model's
 * logits over all of them.
 */
import { Effect } from "effect"
import { categoryIndex, type CategoryId } from "../../schemas/taxonomy.ts"
import { Progress, withProgress } from "../runtime/progress.ts"
import type { Rng } from "../runtime/rng.ts"
import { concatSparse, type Featurizer, type SparseBatch } from "./features.ts"
import { disposeTensors, logitsOf, NUM_CATEGORIES, uploadWeights, type GuardWeights } from "./model.ts"

/** The fields of an Example that training reads. */
export interface TrainRow {
  readonly text: string
  readonly lang: string
  readonly unsafe: boolean
  readonly categories: ReadonlyArray<CategoryId>
  readonly source: string
  /**
   * For a synthetic row, the seed source its parent came from. "sources" calibration leaves
   * rewrites of a held-out source out of the auxiliary model too: trained on them, it would no
   * longer be blind to that source, and the genre offset it measures would shrink.
   */
  readonly derivedFrom?: string
}

/** Featurized rows: CSR features, 12 targets and the unsafe label per row. */
export interface Encoded {
  readonly x: SparseBatch
  readonly y: Float32Array // [n, 12]
  readonly unsafe: Float32Array // [n]
  readonly weight: Float64Array // [n]
}

/** The training targets of rows: 12 category indicators `[n, 12]` and the unsafe label `[n]`. */
export const targetsOf = (rows: ReadonlyArray<TrainRow>): { readonly y: Float32Array; readonly unsafe: Float32Array } => {
  const y = new Float32Array(rows.length * NUM_CATEGORIES)
  const unsafe = new Float32Array(rows.length)
  rows.forEach((r, i) => {
    unsafe[i] = r.unsafe ? 1 : 0
    for (const c of r.categories) y[i * NUM_CATEGORIES + categoryIndex(c)] = 1
  })
  return { y, unsafe }
}

export const encode = (
  rows: ReadonlyArray<TrainRow>,
  featurizer: Featurizer,
  weight: Float64Array,
  label: string
): Effect.Effect<Encoded, never, Progress> => {
  const chunk = 2000
  const chunks = Math.ceil(rows.length / chunk)
  return withProgress(`featurize ${label}`, rows.length, (bar) =>
    Effect.gen(function* () {
      const parts: Array<Int32Array> = new Array(rows.length)
      for (let c = 0; c < chunks; c++) {
        yield* Effect.sync(() => {
          const end = Math.min(rows.length, (c + 1) * chunk)
          for (let i = c * chunk; i < end; i++) parts[i] = featurizer.featurize(rows[i].text)
          bar.tick(end - c * chunk)
        })
      }
      return { x: concatSparse(parts), ...targetsOf(rows), weight }
    })
  )
}

/** The rows `idx` of `data` (in that order), with new row weights. */
export const subset = (data: Encoded, idx: ReadonlyArray<number>, weight: Float64Array): Encoded => {
  const parts = idx.map((i) => data.x.ids.subarray(data.x.offsets[i], data.x.offsets[i + 1]))
  const y = new Float32Array(idx.length * NUM_CATEGORIES)
  const unsafe = new Float32Array(idx.length)
  idx.forEach((i, k) => {
    y.set(data.y.subarray(i * NUM_CATEGORIES, (i + 1) * NUM_CATEGORIES), k * NUM_CATEGORIES)
    unsafe[k] = data.unsafe[i]
  })
  return { x: concatSparse(parts), y, unsafe, weight }
}

/** One batch: its features, targets, labels and row weights. */
export interface Batch {
  readonly batch: SparseBatch
  readonly y: Float32Array // [size, 12]
  readonly unsafe: Float32Array // [size]
  readonly weight: Float32Array // [size]
}

/**
 * Rows `order[from..to)` of `data` as one batch (CSR re-based to the batch). With `dropout`,
 * each feature is kept with probability 1 - rate (at least one per row survives).
 */
export const sliceBatch = (
  data: Encoded,
  order: Int32Array,
  from: number,
  to: number,
  dropout?: { readonly rate: number; readonly rng: Rng }
): Batch => {
  const size = to - from
  const offsets = new Int32Array(size + 1)
  let capacity = 0
  for (let b = 0; b < size; b++) capacity += data.x.offsets[order[from + b] + 1] - data.x.offsets[order[from + b]]
  let ids = new Int32Array(capacity)
  const y = new Float32Array(size * NUM_CATEGORIES)
  const unsafe = new Float32Array(size)
  const weight = new Float32Array(size)
  for (let b = 0; b < size; b++) {
    const r = order[from + b]
    const row = data.x.ids.subarray(data.x.offsets[r], data.x.offsets[r + 1])
    let at = offsets[b]
    if (dropout && dropout.rate > 0) {
      for (let k = 0; k < row.length; k++) if (dropout.rng.next() >= dropout.rate) ids[at++] = row[k]
      if (at === offsets[b]) ids[at++] = row[dropout.rng.int(row.length)]
    } else {
      ids.set(row, at)
      at += row.length
    }
    offsets[b + 1] = at
    y.set(data.y.subarray(r * NUM_CATEGORIES, (r + 1) * NUM_CATEGORIES), b * NUM_CATEGORIES)
    unsafe[b] = data.unsafe[r]
    weight[b] = data.weight[r]
  }
  if (offsets[size] < capacity) ids = ids.slice(0, offsets[size])
  return { batch: { size, offsets, ids } satisfies SparseBatch, y, unsafe, weight }
}

/** Logits of every row of `data` under `w` (batched, nothing left on the backend). */
export const predictAll = (w: GuardWeights, data: Encoded, batchSize = 2048): Float32Array => {
  const t = uploadWeights(w)
  try {
    const out = new Float32Array(data.unsafe.length * NUM_CATEGORIES)
    const order = Int32Array.from({ length: data.unsafe.length }, (_, i) => i)
    for (let from = 0; from < order.length; from += batchSize) {
      const to = Math.min(order.length, from + batchSize)
      out.set(logitsOf(t, sliceBatch(data, order, from, to).batch), from * NUM_CATEGORIES)
    }
    return out
  } finally {
    disposeTensors(t)
  }
}

/** Each row's largest category logit: the score the unsafe flag is read from. */
export const maxPerRow = (logits: Float32Array, n: number) => {
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    let m = -Infinity
    for (let c = 0; c < NUM_CATEGORIES; c++) m = Math.max(m, logits[i * NUM_CATEGORIES + c])
    out[i] = m
  }
  return out
}

export const maxLogitsOf = (w: GuardWeights, data: Encoded) => maxPerRow(predictAll(w, data), data.unsafe.length)
