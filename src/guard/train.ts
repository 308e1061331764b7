/**
 * Training the guard: an Effect program, seeded and deterministic on the CPU/WASM backends
 * (same rows, config and seed → identical weights), with validation-based early stopping and
 * calibration. The self-play loop calls `trainGuard` once per iteration.
 *
 * The embedding table lives on the host. Each step gathers the rows its batch touches
 * (touched-rows.ts), runs forward + backward on the backend over those rows only (loss.ts), and
 * updates exactly those rows with lazy Adam, the dense layers with AdamW (optimizer.ts). This
 * keeps a step's cost proportional to the batch, not to the table. Calibration is in
 * calibrate.ts and, for "sources" mode, calibrate-sources.ts.
 */
import { Effect } from "effect"
import { Backend } from "../runtime/backend.ts"
import { Progress, withProgress } from "../runtime/progress.ts"
import { Rng } from "../runtime/rng.ts"
import { capGroups, rowWeights } from "./balance.ts"
import { calibrate } from "./calibrate.ts"
import { heldOutShifts } from "./calibrate-sources.ts"
import type { TrainConfig } from "./config.ts"
import { GuardError } from "./errors.ts"
import { Featurizer, type FeatureConfig } from "./features.ts"
import type { Lexicon } from "./lexicon.ts"
import type { Pieces } from "./pieces.ts"
import { asStored } from "./format.ts"
import { ensureGradients } from "./gradients.ts"
import { lossAndGradients, weightedLoss } from "./loss.ts"
import { initWeights, NUM_CATEGORIES, type GuardWeights } from "./model.ts"
import { GuardOptimizer, schedule } from "./optimizer.ts"
import { RowGatherer } from "./touched-rows.ts"
import { encode, maxPerRow, predictAll, sliceBatch, type Batch, type Encoded, type TrainRow } from "./train-data.ts"
import { validationReport, type ValidationReport } from "./validation-report.ts"
import { EarlyStopping, type HistoryPoint } from "./early-stopping.ts"

export type { TrainRow } from "./train-data.ts"

export type { HistoryPoint } from "./early-stopping.ts"

export interface TrainedGuard {
  readonly weights: GuardWeights
  readonly features: FeatureConfig
  /** The cross-lingual lexicon the features use (null unless `features.lexicon`). */
  readonly lexicon: Lexicon | null
  /** The subword pieces the features use (null unless `features.pieces`). */
  readonly pieces: Pieces | null
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

/**
 * Start each category's bias at the log-odds of its (weighted) training frequency, so the
 * first steps learn features instead of the base rate of 12 mostly-rare labels.
 */
export const startAtBaseRates = (b2: Float32Array, data: Pick<Encoded, "y" | "unsafe" | "weight">) => {
  const n = data.unsafe.length
  for (let c = 0; c < NUM_CATEGORIES; c++) {
    let pos = 0, tot = 0
    for (let i = 0; i < n; i++) {
      pos += data.weight[i] * data.y[i * NUM_CATEGORIES + c]
      tot += data.weight[i]
    }
    const p = Math.min(0.99, Math.max(1e-4, pos / tot))
    b2[c] = Math.log(p / (1 - p))
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
    startAtBaseRates(weights.b2, trainData)
    const optimizer = new GuardOptimizer(weights)
    const gatherer = new RowGatherer(shape.buckets)

    const stepsPerEpoch = Math.ceil(n / config.batchSize)
    const totalSteps = stepsPerEpoch * config.maxEpochs
    // Validation checks at evenly spaced steps, the last one on the epoch's last step.
    const evalAt = new Set(
      Array.from({ length: config.evalsPerEpoch }, (_, k) => Math.ceil(((k + 1) * stepsPerEpoch) / config.evalsPerEpoch))
    )
    const dropoutRng = rng.child("feature-dropout")

    /** One optimizer step (1-based) on batch `b`; returns the batch's loss before the update. */
    const trainStep = (step: number, b: Batch): number => {
      const touched = gatherer.gather(b.batch.ids, weights.embedding, shape.dim, step)
      const { loss, grads } = lossAndGradients(weights, touched, b, config)
      const scale = schedule(step, totalSteps, config.warmup)
      optimizer.step(weights, touched.rows, grads, step, {
        dense: config.learningRate * scale,
        embedding: config.embeddingLearningRate * scale,
        weightDecay: config.weightDecay
      })
      return loss
    }

    const early = new EarlyStopping(weights, config.patience, cloneWeights)
    let step = 0

    for (let epoch = 0; epoch < config.maxEpochs && !early.stop; epoch++) {
      const orderArr = Int32Array.from(rng.child(`epoch-${epoch}`).shuffle(Array.from({ length: n }, (_, i) => i)))
      yield* withProgress(`${label}epoch ${epoch + 1}/${config.maxEpochs}`, stepsPerEpoch, (bar) =>
        Effect.gen(function* () {
          for (let s = 0; s < stepsPerEpoch && !early.stop; s++) {
            yield* Effect.sync(() => {
              step++
              const from = s * config.batchSize
              const batch = sliceBatch(trainData, orderArr, from, Math.min(n, from + config.batchSize), {
                rate: config.featureDropout,
                rng: dropoutRng
              })
              early.trained(step, trainStep(step, batch))
              bar.tick()
            })
            if (evalAt.has(s + 1)) early.checked(step, stepsPerEpoch, weightedLoss(predictAll(weights, valData), valData, config), weights)
          }
        })
      ).pipe(Effect.catchAllDefect((d) => new GuardError({ reason: String(d instanceof Error ? d.message : d) })))
    }

    const { best, history } = early
    return { weights: asStored(best.weights), bestLoss: best.loss, bestStep: best.step, history }
  })

/**
 * Train a guard on `train`, early-stop on `validation`, then calibrate (see `calibration` in
 * config.ts). Deterministic in (rows, config, seed) on a given backend.
 *
 * Calibration "sources" corrects for genre shift with a second, auxiliary model trained
 * without `calibrationSources` (calibrate-sources.ts); the main model is the same either way.
 */
export const trainGuard = (
  allTrain: ReadonlyArray<TrainRow>,
  validation: ReadonlyArray<TrainRow>,
  config: TrainConfig,
  seed: number,
  /** Required when `config.features.lexicon` is set (storage.ts `readLexiconFile`). */
  lexicon: Lexicon | null = null,
  /** Required when `config.features.pieces` is set (storage.ts `readPiecesFile`). */
  pieces: Pieces | null = null
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
    if (config.features.pieces && pieces === null) {
      return yield* new GuardError({ reason: "trainGuard: features.pieces is set but no pieces were given" })
    }
    const featurizer = new Featurizer(config.features, lexicon, pieces)
    const trainData = yield* encode(train, featurizer, rowWeights(train, config.balance), "train")
    const valData = yield* encode(validation, featurizer, rowWeights(validation, config.balance), "validation")
    const main = yield* fit(trainData, valData, config, rng, "train ")

    // Calibrate the kept checkpoint, as it will be stored, on validation; report at the 0.5 rule.
    const valLogits = predictAll(main.weights, valData)
    const maxLogit = maxPerRow(valLogits, validation.length)
    const heldOut =
      config.calibration === "sources"
        ? yield* heldOutShifts(train, validation, trainData, valData, config, rng, (t, v, r, l) => fit(t, v, config, r, l))
        : null
    const { calibration, operatingPoints } = calibrate(maxLogit, validation, config, heldOut)
    return {
      weights: { ...main.weights, logitShift: calibration.shift, ...(operatingPoints ? { operatingPoints } : {}) },
      features: config.features,
      lexicon: config.features.lexicon ? lexicon : null,
      pieces: config.features.pieces ? pieces : null,
      config,
      seed,
      backend: backend.name,
      trainRows: train.length,
      validationRows: validation.length,
      history: main.history,
      bestStep: main.bestStep,
      validation: validationReport(validation, valLogits, maxLogit, main.bestLoss, calibration),
      seconds: (Date.now() - started) / 1000
    } satisfies TrainedGuard
  })
