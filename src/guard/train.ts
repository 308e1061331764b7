/**
 * Training the guard: an Effect program, seeded and deterministic on the CPU/WASM backends
 * (same rows, config and seed → identical weights), with validation-based early stopping and
 * calibration. The self-play loop calls `trainGuard` once per iteration.
 *
 * The embedding table lives on the host. Each step gathers the rows its batch touches
 * (typically a few % of the table), runs forward + backward on the backend over those rows
 * only, and applies a lazy (sparse) Adam update to exactly those rows; dense layers use
 * AdamW. This keeps a step's cost proportional to the batch, not to the table.
 */
import { Effect } from "effect"
import * as tf from "@tensorflow/tfjs-core"
import { CATEGORY_IDS, categoryIndex, type CategoryId } from "../../schemas/taxonomy.ts"
import { Backend } from "../runtime/backend.ts"
import { Progress, withProgress } from "../runtime/progress.ts"
import { Rng } from "../runtime/rng.ts"
import { capGroups, rowWeights } from "./balance.ts"
import { chooseShift, everydayShift, PRIORS, type CalibrationPrior, type EverydayShift, type ShiftChoice } from "./calibrate.ts"
import type { TrainConfig } from "./config.ts"
import { GuardError } from "./errors.ts"
import { concatSparse, Featurizer, type FeatureConfig, type SparseBatch } from "./features.ts"
import type { Lexicon } from "./lexicon.ts"
import { asStored } from "./format.ts"
import { ensureGradients } from "./gradients.ts"
import { auc, groupedMetrics, type ValidationMetrics } from "./metrics.ts"
import {
  bagIndex,
  disposeBag,
  disposeTensors,
  embeddingBag,
  head,
  initWeights,
  logitsOf,
  NUM_CATEGORIES,
  sigmoid,
  uploadWeights,
  type GuardWeights
} from "./model.ts"

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

export interface HistoryPoint {
  readonly epoch: number
  readonly step: number
  readonly trainLoss: number
  readonly validationLoss: number
}

/** How the logit shift was chosen (see trainGuard). */
export interface Calibration {
  readonly mode: TrainConfig["calibration"]
  /** The shift stored with the model. */
  readonly shift: number
  /** The shift that maximizes mean per-language F1 on the validation split (null for "none"). */
  readonly validation: ShiftChoice | null
  /** "sources" mode: the auxiliary model's shifts on validation and on the unseen sources. */
  /** The "everyday" operating point (calibrate.ts `everydayShift`). */
  readonly everyday?: EverydayShift
  readonly heldOut?: {
    readonly sources: ReadonlyArray<string>
    readonly rows: number
    readonly auxValidation: ShiftChoice
    readonly auxHeldOut: ShiftChoice
    readonly genreOffset: number
  }
}

export interface ValidationReport {
  /** Weighted validation loss of the kept checkpoint (same weighting as training). */
  readonly loss: number
  readonly calibration: Calibration
  /** Unsafe-vs-safe metrics at the 0.5 rule after calibration, overall and per language. */
  readonly byLanguage: Readonly<Record<string, ValidationMetrics>>
  /** Per-category ROC AUC (one-vs-rest on validation rows); NaN where a category is absent. */
  readonly categoryAuc: Readonly<Record<string, number>>
}

export interface TrainedGuard {
  readonly weights: GuardWeights
  readonly features: FeatureConfig
  /** The cross-lingual lexicon the features use (null unless `features.lexicon`). */
  readonly lexicon: Lexicon | null
  readonly config: TrainConfig
  readonly seed: number
  readonly backend: string
  readonly trainRows: number
  readonly validationRows: number
  readonly history: ReadonlyArray<HistoryPoint>
  readonly bestStep: number
  readonly validation: ValidationReport
  readonly seconds: number
}

/** Featurized rows: CSR features, 12 targets and the unsafe label per row. */
interface Encoded {
  readonly x: SparseBatch
  readonly y: Float32Array // [n, 12]
  readonly unsafe: Float32Array // [n]
  readonly weight: Float64Array // [n]
}

const encode = (
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
      const y = new Float32Array(rows.length * NUM_CATEGORIES)
      const unsafe = new Float32Array(rows.length)
      rows.forEach((r, i) => {
        unsafe[i] = r.unsafe ? 1 : 0
        for (const c of r.categories) y[i * NUM_CATEGORIES + categoryIndex(c)] = 1
      })
      return { x: concatSparse(parts), y, unsafe, weight }
    })
  )
}

/** The rows `idx` of `data` (in that order), with new row weights. */
const subset = (data: Encoded, idx: ReadonlyArray<number>, weight: Float64Array): Encoded => {
  const parts = idx.map((i) => data.x.ids.subarray(data.x.offsets[i], data.x.offsets[i + 1]))
  const y = new Float32Array(idx.length * NUM_CATEGORIES)
  const unsafe = new Float32Array(idx.length)
  idx.forEach((i, k) => {
    y.set(data.y.subarray(i * NUM_CATEGORIES, (i + 1) * NUM_CATEGORIES), k * NUM_CATEGORIES)
    unsafe[k] = data.unsafe[i]
  })
  return { x: concatSparse(parts), y, unsafe, weight }
}

/**
 * Rows `order[from..to)` of `data` as one batch (CSR re-based to the batch). With `dropout`,
 * each feature is kept with probability 1 - rate (at least one per row survives).
 */
const sliceBatch = (
  data: Encoded,
  order: Int32Array,
  from: number,
  to: number,
  dropout?: { readonly rate: number; readonly rng: Rng }
) => {
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

/** Numerically stable binary cross-entropy on logits, elementwise. */
const bceWithLogits = (x: tf.Tensor, y: tf.Tensor): tf.Tensor =>
  tf.add(tf.sub(tf.relu(x), tf.mul(x, y)), tf.log1p(tf.exp(tf.neg(tf.abs(x)))))

const bceHost = (x: number, y: number) => Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x)))

/** Adam moments for one parameter array. */
class Moments {
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

/** AdamW step over a whole dense array. */
const adamDense = (p: Float32Array, g: Float32Array, s: Moments, lr: number, t: number, decay: number) => {
  const c1 = 1 - Math.pow(BETA1, t)
  const c2 = 1 - Math.pow(BETA2, t)
  for (let i = 0; i < p.length; i++) {
    const m = (s.m[i] = BETA1 * s.m[i] + (1 - BETA1) * g[i])
    const v = (s.v[i] = BETA2 * s.v[i] + (1 - BETA2) * g[i] * g[i])
    p[i] -= lr * ((m / c1) / (Math.sqrt(v / c2) + EPS) + decay * p[i])
  }
}

/** Lazy Adam on the embedding rows `rows` only (the rows the batch touched). */
const adamRows = (
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

const cloneWeights = (w: GuardWeights): GuardWeights => ({
  shape: w.shape,
  embedding: w.embedding.slice(),
  w1: w.w1.slice(),
  b1: w.b1.slice(),
  w2: w.w2.slice(),
  b2: w.b2.slice(),
  logitShift: w.logitShift
})

/** Linear warm-up, then cosine decay to 0 at the last planned step. */
const schedule = (step: number, total: number, warmupFrac: number) => {
  const warm = Math.max(1, Math.round(total * warmupFrac))
  if (step <= warm) return step / warm
  return 0.5 * (1 + Math.cos((Math.PI * (step - warm)) / Math.max(1, total - warm)))
}

/** Logits of every row of `data` under `w` (batched, nothing left on the backend). */
const predictAll = (w: GuardWeights, data: Encoded, batchSize = 2048): Float32Array => {
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

const maxPerRow = (logits: Float32Array, n: number) => {
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    let m = -Infinity
    for (let c = 0; c < NUM_CATEGORIES; c++) m = Math.max(m, logits[i * NUM_CATEGORIES + c])
    out[i] = m
  }
  return out
}

/** The training objective, on the host, for validation. */
const weightedLoss = (logits: Float32Array, data: Encoded, categoryWeight: number, unsafeWeight: number) => {
  let num = 0, den = 0
  const n = data.unsafe.length
  for (let i = 0; i < n; i++) {
    let cat = 0, max = -Infinity
    for (let c = 0; c < NUM_CATEGORIES; c++) {
      const x = logits[i * NUM_CATEGORIES + c]
      cat += bceHost(x, data.y[i * NUM_CATEGORIES + c])
      if (x > max) max = x
    }
    num += data.weight[i] * (categoryWeight * cat + unsafeWeight * bceHost(max, data.unsafe[i]))
    den += data.weight[i]
  }
  return num / den
}

interface Fit {
  /** The best checkpoint, as it will be stored (float16 embedding), without calibration. */
  readonly weights: GuardWeights
  readonly bestLoss: number
  readonly bestStep: number
  readonly history: ReadonlyArray<HistoryPoint>
}

/** One training run with early stopping on `valData`; `label` prefixes the progress bars. */
const fit = (
  trainData: Encoded,
  valData: Encoded,
  config: TrainConfig,
  rng: Rng,
  label: string
): Effect.Effect<Fit, GuardError, Progress> =>
  Effect.gen(function* () {
    const n = trainData.unsafe.length
    const shape = { buckets: config.features.buckets, dim: config.model.dim, hidden: config.model.hidden }
    const weights = initWeights(shape, rng.child("init"))
    // Start each category's bias at the log-odds of its (weighted) training frequency, so the
    // first steps learn features instead of the base rate of 12 mostly-rare labels.
    for (let c = 0; c < NUM_CATEGORIES; c++) {
      let pos = 0, tot = 0
      for (let i = 0; i < n; i++) {
        pos += trainData.weight[i] * trainData.y[i * NUM_CATEGORIES + c]
        tot += trainData.weight[i]
      }
      const p = Math.min(0.99, Math.max(1e-4, pos / tot))
      weights.b2[c] = Math.log(p / (1 - p))
    }
    const mE = new Moments(weights.embedding.length)
    const mW1 = new Moments(weights.w1.length), mB1 = new Moments(weights.b1.length)
    const mW2 = new Moments(weights.w2.length), mB2 = new Moments(weights.b2.length)

    const stepsPerEpoch = Math.ceil(n / config.batchSize)
    const totalSteps = stepsPerEpoch * config.maxEpochs
    // Validation checks at evenly spaced steps, the last one on the epoch's last step.
    const evalAt = new Set(
      Array.from({ length: config.evalsPerEpoch }, (_, k) => Math.ceil(((k + 1) * stepsPerEpoch) / config.evalsPerEpoch))
    )
    const dropoutRng = rng.child("feature-dropout")
    // Scratch for the batch-local renumbering of embedding rows.
    const stamp = new Int32Array(shape.buckets).fill(-1)
    const local = new Int32Array(shape.buckets)

    const trainStep = (step: number, b: ReturnType<typeof sliceBatch>): number => {
      // Renumber the batch's rows 0..U-1 and copy them out of the host table.
      const ids = b.batch.ids
      const localIds = new Int32Array(ids.length)
      const uniq = new Int32Array(ids.length)
      let count = 0
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i]
        if (stamp[id] !== step) {
          stamp[id] = step
          local[id] = count
          uniq[count++] = id
        }
        localIds[i] = local[id]
      }
      const rows = uniq.subarray(0, count)
      const D = shape.dim
      const sub = new Float32Array(rows.length * D)
      for (let u = 0; u < rows.length; u++) sub.set(weights.embedding.subarray(rows[u] * D, rows[u] * D + D), u * D)

      const bag = bagIndex(b.batch, localIds, rows.length, true)
      const out = tf.tidy(() => {
        const y = tf.tensor2d(b.y, [b.batch.size, NUM_CATEGORIES])
        const u = tf.tensor1d(b.unsafe)
        const sw = tf.tensor1d(b.weight)
        const swSum = b.weight.reduce((a, x) => a + x, 0)
        const params = [
          tf.tensor2d(sub, [rows.length, D]),
          ...(shape.hidden > 0 ? [tf.tensor2d(weights.w1, [D, shape.hidden]), tf.tensor1d(weights.b1)] : []),
          tf.tensor2d(weights.w2, [shape.hidden > 0 ? shape.hidden : D, NUM_CATEGORIES]),
          tf.tensor1d(weights.b2)
        ]
        const loss = (...p: Array<tf.Tensor>) => {
          const [table, ...rest] = p
          const h = shape.hidden > 0
            ? { w1: rest[0] as tf.Tensor2D, b1: rest[1] as tf.Tensor1D, w2: rest[2] as tf.Tensor2D, b2: rest[3] as tf.Tensor1D }
            : { w1: null, b1: null, w2: rest[0] as tf.Tensor2D, b2: rest[1] as tf.Tensor1D }
          const logits = head(embeddingBag(table as tf.Tensor2D, bag), h)
          const perCat = tf.mul(tf.sum(bceWithLogits(logits, y), 1), config.categoryLossWeight)
          const perRow = tf.add(perCat, tf.mul(bceWithLogits(tf.max(logits, 1), u), config.unsafeLossWeight))
          return tf.div(tf.sum(tf.mul(perRow, sw)), swSum) as tf.Scalar
        }
        const { value, grads } = tf.valueAndGrads(loss)(params)
        return [value, ...grads]
      })
      disposeBag(bag)
      const [value, ...grads] = out.map((t) => t.dataSync() as Float32Array)
      tf.dispose(out)

      const scale = schedule(step, totalSteps, config.warmup)
      const lr = config.learningRate * scale
      adamRows(weights.embedding, grads[0], rows, D, mE, config.embeddingLearningRate * scale, step)
      if (shape.hidden > 0) {
        adamDense(weights.w1, grads[1], mW1, lr, step, config.weightDecay)
        adamDense(weights.b1, grads[2], mB1, lr, step, 0)
        adamDense(weights.w2, grads[3], mW2, lr, step, config.weightDecay)
        adamDense(weights.b2, grads[4], mB2, lr, step, 0)
      } else {
        adamDense(weights.w2, grads[1], mW2, lr, step, config.weightDecay)
        adamDense(weights.b2, grads[2], mB2, lr, step, 0)
      }
      return value[0]
    }

    const history: Array<HistoryPoint> = []
    let best = { loss: Infinity, step: 0, weights: cloneWeights(weights) }
    let sinceBest = 0
    let step = 0
    let runningLoss = 0, runningCount = 0
    let stop = false

    for (let epoch = 0; epoch < config.maxEpochs && !stop; epoch++) {
      const orderArr = Int32Array.from(rng.child(`epoch-${epoch}`).shuffle(Array.from({ length: n }, (_, i) => i)))
      yield* withProgress(`${label}epoch ${epoch + 1}/${config.maxEpochs}`, stepsPerEpoch, (bar) =>
        Effect.gen(function* () {
          for (let s = 0; s < stepsPerEpoch && !stop; s++) {
            yield* Effect.sync(() => {
              step++
              const from = s * config.batchSize
              const batch = sliceBatch(trainData, orderArr, from, Math.min(n, from + config.batchSize), {
                rate: config.featureDropout,
                rng: dropoutRng
              })
              const loss = trainStep(step, batch)
              if (!Number.isFinite(loss)) throw new Error(`training diverged at step ${step} (loss ${loss})`)
              runningLoss += loss
              runningCount++
              bar.tick()
            })
            if (evalAt.has(s + 1)) {
              const valLoss = weightedLoss(predictAll(weights, valData), valData, config.categoryLossWeight, config.unsafeLossWeight)
              history.push({
                epoch: Math.round((step / stepsPerEpoch) * 1000) / 1000,
                step,
                trainLoss: runningLoss / Math.max(1, runningCount),
                validationLoss: valLoss
              })
              runningLoss = 0
              runningCount = 0
              if (valLoss < best.loss - 1e-5) {
                best = { loss: valLoss, step, weights: cloneWeights(weights) }
                sinceBest = 0
              } else if (++sinceBest >= config.patience) stop = true
            }
          }
        })
      ).pipe(Effect.catchAllDefect((d) => new GuardError({ reason: String(d instanceof Error ? d.message : d) })))
    }

    return { weights: asStored(best.weights), bestLoss: best.loss, bestStep: best.step, history }
  })

/** Rows the "sources" calibration's auxiliary model may see: none from, or rewritten from, a held-out source. */
export const auxiliaryRows = (rows: ReadonlyArray<TrainRow>, held: ReadonlySet<string>): Array<number> =>
  rows.flatMap((r, i) => (held.has(r.source) || (r.derivedFrom !== undefined && held.has(r.derivedFrom)) ? [] : [i]))

const maxLogitsOf = (w: GuardWeights, data: Encoded) => maxPerRow(predictAll(w, data), data.unsafe.length)

/**
 * Train a guard on `train`, early-stop on `validation`, then calibrate (see `calibration` in
 * config.ts). Deterministic in (rows, config, seed) on a given backend.
 *
 * Calibration "sources" corrects for genre shift: the seed's validation split is the same
 * genre as its training rows, so a shift fit there is too timid on text of a kind the guard
 * has not seen. A second, auxiliary model is trained without `calibrationSources`; the extra
 * shift those unseen sources need beyond the auxiliary model's own validation shift is added
 * to the main model's validation shift.
 */
export const trainGuard = (
  allTrain: ReadonlyArray<TrainRow>,
  validation: ReadonlyArray<TrainRow>,
  config: TrainConfig,
  seed: number,
  /** Required when `config.features.lexicon` is set (storage.ts `readLexiconFile`). */
  lexicon: Lexicon | null = null
): Effect.Effect<TrainedGuard, GuardError, Backend | Progress> =>
  Effect.gen(function* () {
    const backend = yield* Backend
    const train = capGroups(allTrain, config.balance, seed)
    if (train.length === 0) return yield* new GuardError({ reason: "trainGuard: the training set is empty" })
    if (validation.length === 0) {
      return yield* new GuardError({ reason: "trainGuard: the validation set is empty (needed for early stopping and calibration)" })
    }
    yield* Effect.tryPromise({
      try: ensureGradients,
      catch: (e) => new GuardError({ reason: `cannot load tfjs gradients: ${String(e)}` })
    })
    const started = Date.now()
    const rng = new Rng(seed)
    if (config.features.lexicon && lexicon === null) {
      return yield* new GuardError({ reason: "trainGuard: features.lexicon is set but no lexicon was given" })
    }
    const featurizer = new Featurizer(config.features, lexicon)
    const trainData = yield* encode(train, featurizer, rowWeights(train, config.balance), "train")
    const valData = yield* encode(validation, featurizer, rowWeights(validation, config.balance), "validation")
    const main = yield* fit(trainData, valData, config, rng, "train ")

    // Calibrate the kept checkpoint, as it will be stored, on validation; report at the 0.5 rule.
    const valLogits = predictAll(main.weights, valData)
    const maxLogit = maxPerRow(valLogits, validation.length)
    const labels = validation.map((r) => r.unsafe)
    const langs = validation.map((r) => r.lang)
    // The shift under each class prior; the configured one is stored as the model's default,
    // the other is kept as an operating point a user can pick (format.ts `operatingPoints`).
    const shiftsOnValidation = Object.fromEntries(PRIORS.map((p) => [p, chooseShift(maxLogit, labels, langs, p)])) as Record<CalibrationPrior, ShiftChoice>
    const onValidation = config.calibration === "none" ? null : shiftsOnValidation[config.calibrationPrior]
    let calibration: Calibration = {
      mode: config.calibration,
      shift: onValidation?.shift ?? 0,
      validation: onValidation
    }
    let genreOffsets: Record<CalibrationPrior, number> = { balanced: 0, observed: 0 }

    if (config.calibration === "sources") {
      const held = new Set(config.calibrationSources)
      const trainIdx = auxiliaryRows(train, held)
      const valIdx = auxiliaryRows(validation, held)
      const heldRows = [...train, ...validation].filter((r) => held.has(r.source))
      const present = [...held].filter((s) => heldRows.some((r) => r.source === s)).sort()
      if (heldRows.length > 0 && trainIdx.length > 0 && valIdx.length > 0) {
        const pick = <T>(xs: ReadonlyArray<T>, idx: ReadonlyArray<number>) => idx.map((i) => xs[i])
        const auxTrain = subset(trainData, trainIdx, rowWeights(pick(train, trainIdx), config.balance))
        const auxVal = subset(valData, valIdx, rowWeights(pick(validation, valIdx), config.balance))
        const aux = yield* fit(auxTrain, auxVal, config, rng.child("calibration"), "calibration model ")
        const heldIdx = [...train.flatMap((r, i) => (held.has(r.source) ? [i] : []))]
        const heldValIdx = validation.flatMap((r, i) => (held.has(r.source) ? [i] : []))
        const heldLogits = new Float32Array(heldRows.length)
        heldLogits.set(maxLogitsOf(aux.weights, subset(trainData, heldIdx, new Float64Array(heldIdx.length))))
        heldLogits.set(maxLogitsOf(aux.weights, subset(valData, heldValIdx, new Float64Array(heldValIdx.length))), heldIdx.length)
        const auxValLogits = maxLogitsOf(aux.weights, auxVal)
        const offsetUnder = (prior: CalibrationPrior) => {
          const onVal = chooseShift(auxValLogits, pick(validation, valIdx).map((r) => r.unsafe), pick(validation, valIdx).map((r) => r.lang), prior)
          const onHeld = chooseShift(heldLogits, heldRows.map((r) => r.unsafe), heldRows.map((r) => r.lang), prior)
          return { onVal, onHeld, offset: Math.round((onHeld.shift - onVal.shift) * 100) / 100 }
        }
        const byPrior = Object.fromEntries(PRIORS.map((p) => [p, offsetUnder(p)])) as Record<CalibrationPrior, ReturnType<typeof offsetUnder>>
        genreOffsets = Object.fromEntries(PRIORS.map((p) => [p, byPrior[p].offset])) as Record<CalibrationPrior, number>
        const { onVal: auxOnValidation, onHeld: auxOnHeldOut, offset: genreOffset } = byPrior[config.calibrationPrior]
        calibration = {
          ...calibration,
          shift: Math.round(((onValidation?.shift ?? 0) + genreOffset) * 100) / 100,
          heldOut: { sources: present, rows: heldRows.length, auxValidation: auxOnValidation, auxHeldOut: auxOnHeldOut, genreOffset }
        }
      }
    }

    const everyday = everydayShift(maxLogit, validation, config.everyday)
    if (config.calibration !== "none" && config.defaultOperatingPoint === "everyday") calibration = { ...calibration, shift: everyday.shift }
    calibration = { ...calibration, everyday }
    const operatingPoints =
      config.calibration === "none"
        ? undefined
        : {
            ...(Object.fromEntries(PRIORS.map((p) => [p, Math.round((shiftsOnValidation[p].shift + genreOffsets[p]) * 100) / 100])) as Record<CalibrationPrior, number>),
            everyday: everyday.shift
          }
    const finalWeights: GuardWeights = { ...main.weights, logitShift: calibration.shift, ...(operatingPoints ? { operatingPoints } : {}) }
    const probs = Array.from(maxLogit, (x) => sigmoid(x + calibration.shift))
    const categoryAuc: Record<string, number> = {}
    for (const [c, id] of CATEGORY_IDS.entries()) {
      const scores = validation.map((_, i) => valLogits[i * NUM_CATEGORIES + c])
      const has = validation.map((r) => r.categories.includes(id))
      categoryAuc[id] = Math.round(auc(has, scores) * 10000) / 10000
    }
    return {
      weights: finalWeights,
      features: config.features,
      lexicon: config.features.lexicon ? lexicon : null,
      config,
      seed,
      backend: backend.name,
      trainRows: train.length,
      validationRows: validation.length,
      history: main.history,
      bestStep: main.bestStep,
      validation: {
        loss: main.bestLoss,
        calibration,
        byLanguage: groupedMetrics(labels, probs, langs),
        categoryAuc
      },
      seconds: (Date.now() - started) / 1000
    } satisfies TrainedGuard
  })
