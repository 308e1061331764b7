/**
 * Training the CNN guard: the main family's recipe (../train.ts) with the network swapped —
 * the same capped, balanced rows (balance.ts), the same loss (12 per-category BCEs + BCE of the
 * max logit vs the unsafe label), lazy Adam on the host-side embedding rows a batch touches and
 * AdamW on the dense layers, warm-up + cosine schedule, early stopping on the weighted
 * validation loss, then the calibration shifts of calibrate.ts (the "everyday" point is the
 * default). Seeded: same rows, config and seed → same weights on the same backend and thread
 * count.
 *
 * Embedding rows of tokens that no training text contains are set to zero before saving: they
 * were never trained, and their random initial values would make unseen tokens fire filters
 * at random. A zero row contributes nothing to a window.
 */
import { Effect } from "effect"
import * as tf from "@tensorflow/tfjs-core"
import type { Prediction } from "../../../schemas/index.ts"
import { CATEGORY_IDS } from "../../../schemas/taxonomy.ts"
import { Backend } from "../../runtime/backend.ts"
import { Progress, withProgress } from "../../runtime/progress.ts"
import { Rng } from "../../runtime/rng.ts"
import { capGroups, rowWeights } from "../balance.ts"
import { calibrate } from "../calibrate.ts"
import { GuardError } from "../errors.ts"
import { fromHalf, toHalf } from "../format.ts"
import { ensureGradients } from "../gradients.ts"
import { batchObjective, weightedLoss } from "../loss.ts"
import { NUM_CATEGORIES, sigmoid } from "../model.ts"
import { adamDense, adamRows, Moments, schedule } from "../optimizer.ts"
import { maxPerRow, targetsOf, type TrainRow } from "../train-data.ts"
import { startAtBaseRates } from "../train.ts"
import { EarlyStopping, type HistoryPoint } from "../early-stopping.ts"
import { validationReport, type ValidationReport } from "../validation-report.ts"
import type { CnnConfig } from "./config.ts"
import { Batcher, batchIndex, cnnLogits, disposeIndex, gatherRows, initCnn, predictLogits, type CnnShape, type CnnWeights } from "./model.ts"
import type { TokenIds } from "./tokenizer.ts"

export interface TrainedCnn {
  readonly weights: CnnWeights
  readonly tokenizer: string
  readonly config: CnnConfig
  readonly seed: number
  readonly backend: string
  readonly trainRows: number
  readonly validationRows: number
  /** Vocabulary rows some training text uses (the others are zero). */
  readonly trainedVocabRows: number
  readonly history: ReadonlyArray<HistoryPoint>
  readonly bestStep: number
  /** Loss, calibration, per-language metrics at 0.5 and per-category AUC (../validation-report.ts). */
  readonly validation: ValidationReport
  readonly seconds: number
  /** Seconds spent tokenizing (train + validation). */
  readonly tokenizeSeconds: number
}

interface Encoded {
  readonly tokens: ReadonlyArray<Int32Array>
  readonly y: Float32Array // [n, 12]
  readonly unsafe: Float32Array
  readonly weight: Float64Array
}

/** Token ids of `texts`, with a progress bar. */
export const tokenizeAll = (
  texts: ReadonlyArray<string>,
  tokenizer: TokenIds,
  maxLen: number,
  label: string
): Effect.Effect<Array<Int32Array>, GuardError, Progress> =>
  withProgress(`tokenize ${label}`, texts.length, (bar) =>
    Effect.gen(function* () {
      const out: Array<Int32Array> = new Array(texts.length)
      const chunk = 2000
      for (let from = 0; from < texts.length; from += chunk) {
        yield* Effect.try({
          try: () => {
            const to = Math.min(texts.length, from + chunk)
            for (let i = from; i < to; i++) out[i] = tokenizer.encode(texts[i], maxLen)
            bar.tick(to - from)
          },
          catch: (e) => new GuardError({ reason: `tokenizing ${label}: ${e instanceof Error ? e.message : String(e)}` })
        })
      }
      return out
    })
  )

const encodeRows = (rows: ReadonlyArray<TrainRow>, tokens: ReadonlyArray<Int32Array>, weight: Float64Array): Encoded => ({
  tokens,
  ...targetsOf(rows),
  weight
})

const cloneWeights = (w: CnnWeights): CnnWeights => ({
  ...w,
  embedding: w.embedding.slice(),
  convW: w.convW.slice(),
  convB: w.convB.slice(),
  w1: w.w1.slice(),
  b1: w.b1.slice(),
  w2: w.w2.slice(),
  b2: w.b2.slice()
})

/** The weights as saved: untrained rows zeroed, the table rounded through float16 (storage.ts). */
export const asStoredCnn = (w: CnnWeights, trained: Uint8Array): CnnWeights => {
  const D = w.shape.dim
  const embedding = new Float32Array(w.embedding.length)
  for (let r = 0; r < w.shape.vocab; r++) {
    if (trained[r] === 0) continue
    for (let i = r * D; i < (r + 1) * D; i++) embedding[i] = fromHalf(toHalf(w.embedding[i]))
  }
  return { ...w, embedding }
}

interface Fit {
  readonly weights: CnnWeights
  readonly bestLoss: number
  readonly bestStep: number
  readonly history: ReadonlyArray<HistoryPoint>
  readonly trained: Uint8Array
}

const fit = (train: Encoded, val: Encoded, shape: CnnShape, config: CnnConfig, rng: Rng): Effect.Effect<Fit, GuardError, Progress> =>
  Effect.gen(function* () {
    const n = train.unsafe.length
    const weights = initCnn(shape, rng.child("init"))
    // Category biases start at the (weighted) log-odds of each category, as in ../train.ts.
    startAtBaseRates(weights.b2, train)
    const trained = new Uint8Array(shape.vocab)
    for (const t of train.tokens) for (const id of t) trained[id] = 1
    const mE = new Moments(weights.embedding.length)
    const dense = ["convW", "convB", "w1", "b1", "w2", "b2"] as const
    const moments = Object.fromEntries(dense.map((k) => [k, new Moments(weights[k].length)])) as Record<(typeof dense)[number], Moments>
    const batcher = new Batcher(shape.vocab, shape.width)
    const stepsPerEpoch = Math.ceil(n / config.batchSize)
    const totalSteps = stepsPerEpoch * config.maxEpochs
    const evalAt = new Set(Array.from({ length: config.evalsPerEpoch }, (_, k) => Math.ceil(((k + 1) * stepsPerEpoch) / config.evalsPerEpoch)))
    const dropRng = rng.child("dropout")
    const D = shape.dim

    const trainStep = (step: number, idx: Int32Array): number => {
      const size = idx.length
      const b = batcher.batch(Array.from(idx, (i) => train.tokens[i]))
      const y = new Float32Array(size * NUM_CATEGORIES)
      const u = new Float32Array(size)
      const sw = new Float32Array(size)
      let swSum = 0
      idx.forEach((r, k) => {
        y.set(train.y.subarray(r * NUM_CATEGORIES, (r + 1) * NUM_CATEGORIES), k * NUM_CATEGORIES)
        u[k] = train.unsafe[r]
        sw[k] = train.weight[r]
        swSum += train.weight[r]
      })
      let mask: Float32Array | null = null
      if (config.dropout > 0) {
        const keep = 1 - config.dropout
        mask = new Float32Array(size * shape.filters)
        for (let i = 0; i < mask.length; i++) mask[i] = dropRng.next() < keep ? 1 / keep : 0
      }
      const ix = batchIndex(b, true)
      const out = tf.tidy(() => {
        const yT = tf.tensor2d(y, [size, NUM_CATEGORIES])
        const uT = tf.tensor1d(u)
        const swT = tf.tensor1d(sw)
        const maskT = mask ? tf.tensor2d(mask, [size, shape.filters]) : undefined
        const params = [
          tf.tensor2d(gatherRows(weights.embedding, D, b.rows), [b.rows.length + 1, D]),
          tf.tensor2d(weights.convW, [shape.width * D, shape.filters]),
          tf.tensor1d(weights.convB),
          tf.tensor2d(weights.w2, [shape.hidden > 0 ? shape.hidden : shape.filters, NUM_CATEGORIES]),
          tf.tensor1d(weights.b2),
          ...(shape.hidden > 0 ? [tf.tensor2d(weights.w1, [shape.filters, shape.hidden]), tf.tensor1d(weights.b1)] : [])
        ]
        const loss = (...p: Array<tf.Tensor>) => {
          const [table, convW, convB, w2, b2, w1, b1] = p
          const logits = cnnLogits(shape, b, ix, {
            table: table as tf.Tensor2D,
            convW: convW as tf.Tensor2D,
            convB: convB as tf.Tensor1D,
            w1: (w1 as tf.Tensor2D | undefined) ?? null,
            b1: (b1 as tf.Tensor1D | undefined) ?? null,
            w2: w2 as tf.Tensor2D,
            b2: b2 as tf.Tensor1D
          }, maskT)
          return batchObjective(logits, yT, uT, swT, swSum, config)
        }
        const { value, grads } = tf.valueAndGrads(loss)(params)
        return [value, ...grads]
      })
      disposeIndex(ix)
      const [value, gTable, gConvW, gConvB, gW2, gB2, gW1, gB1] = out.map((t) => t.dataSync() as Float32Array)
      tf.dispose(out)
      const scale = schedule(step, totalSteps, config.warmup)
      const lr = config.learningRate * scale
      // The same updates as ../optimizer.ts GuardOptimizer, over this network's layers. The table
      // gradient's last row is the zero row's: not a parameter.
      adamRows(weights.embedding, gTable, b.rows, D, mE, config.embeddingLearningRate * scale, step)
      adamDense(weights.convW, gConvW, moments.convW, lr, step, config.weightDecay)
      adamDense(weights.convB, gConvB, moments.convB, lr, step, 0)
      adamDense(weights.w2, gW2, moments.w2, lr, step, config.weightDecay)
      adamDense(weights.b2, gB2, moments.b2, lr, step, 0)
      if (shape.hidden > 0) {
        adamDense(weights.w1, gW1, moments.w1, lr, step, config.weightDecay)
        adamDense(weights.b1, gB1, moments.b1, lr, step, 0)
      }
      return value[0]
    }

    const early = new EarlyStopping(weights, config.patience, cloneWeights)
    let step = 0
    for (let epoch = 0; epoch < config.maxEpochs && !early.stop; epoch++) {
      const order = Int32Array.from(rng.child(`epoch-${epoch}`).shuffle(Array.from({ length: n }, (_, i) => i)))
      yield* withProgress(`cnn epoch ${epoch + 1}/${config.maxEpochs}`, stepsPerEpoch, (bar) =>
        Effect.gen(function* () {
          for (let s = 0; s < stepsPerEpoch && !early.stop; s++) {
            yield* Effect.sync(() => {
              step++
              const from = s * config.batchSize
              early.trained(step, trainStep(step, order.subarray(from, Math.min(n, from + config.batchSize))))
              bar.tick()
            })
            if (evalAt.has(s + 1)) early.checked(step, stepsPerEpoch, weightedLoss(predictLogits(weights, val.tokens, 1024, batcher), val, config), weights)
          }
        })
      ).pipe(Effect.catchAllDefect((d) => new GuardError({ reason: `CNN training: ${d instanceof Error ? d.message : String(d)}` })))
    }
    const { best, history } = early
    return { weights: asStoredCnn(best.weights, trained), bestLoss: best.loss, bestStep: best.step, history, trained }
  })

/**
 * Train a CNN guard on `allTrain` (capped per group as config.balance says), early-stop on
 * `validation`, calibrate. Rows carry their balancing `source` (synthetic rows: one source).
 */
export const trainCnn = (
  allTrain: ReadonlyArray<TrainRow>,
  validation: ReadonlyArray<TrainRow>,
  config: CnnConfig,
  seed: number,
  tokenizer: TokenIds
): Effect.Effect<TrainedCnn, GuardError, Backend | Progress> =>
  Effect.gen(function* () {
    const backend = yield* Backend
    const train = capGroups(allTrain, config.balance, seed)
    if (train.length === 0) return yield* new GuardError({ reason: "trainCnn: the training set is empty" })
    if (validation.length === 0) return yield* new GuardError({ reason: "trainCnn: the validation set is empty (needed for early stopping and calibration)" })
    yield* Effect.tryPromise({ try: ensureGradients, catch: (e) => new GuardError({ reason: `cannot load tfjs gradients: ${String(e)}` }) })
    const started = Date.now()
    const trainTokens = yield* tokenizeAll(train.map((r) => r.text), tokenizer, config.maxLen, "train")
    const valTokens = yield* tokenizeAll(validation.map((r) => r.text), tokenizer, config.maxLen, "validation")
    const tokenizeSeconds = (Date.now() - started) / 1000
    const trainData = encodeRows(train, trainTokens, rowWeights(train, config.balance))
    const valData = encodeRows(validation, valTokens, rowWeights(validation, config.balance))
    const shape: CnnShape = { vocab: tokenizer.vocabSize, ...config.model }
    const main = yield* fit(trainData, valData, shape, config, new Rng(seed))

    // Calibrate the kept checkpoint as ../train.ts does (calibrate.ts; no "sources" mode here).
    const valLogits = predictLogits(main.weights, valTokens)
    const maxLogit = maxPerRow(valLogits, validation.length)
    const { calibration, operatingPoints } = calibrate(maxLogit, validation, config, null)
    let trainedVocabRows = 0
    for (const t of main.trained) trainedVocabRows += t
    return {
      weights: { ...main.weights, logitShift: calibration.shift, ...(operatingPoints ? { operatingPoints } : {}) },
      tokenizer: tokenizer.name,
      config,
      seed,
      backend: backend.name,
      trainRows: train.length,
      validationRows: validation.length,
      trainedVocabRows,
      history: main.history,
      bestStep: main.bestStep,
      validation: validationReport(validation, valLogits, maxLogit, main.bestLoss, calibration),
      seconds: (Date.now() - started) / 1000,
      tokenizeSeconds
    } satisfies TrainedCnn
  })

/** Predictions (the guard's output schema) for token-id texts under the weights' shift. */
export const predictionsOf = (w: CnnWeights, tokens: ReadonlyArray<Int32Array>): Array<Prediction> => {
  const logits = predictLogits(w, tokens)
  return tokens.map((_, i) => {
    const probs = Array.from(logits.subarray(i * NUM_CATEGORIES, (i + 1) * NUM_CATEGORIES), (x) => sigmoid(x + w.logitShift))
    const unsafe = Math.max(...probs)
    return {
      unsafe,
      flagged: unsafe > 0.5,
      categories: Object.fromEntries(CATEGORY_IDS.map((id, c) => [id, probs[c]])) as Prediction["categories"]
    }
  })
}
