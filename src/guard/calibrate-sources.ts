/**
 * "sources" calibration: how much further the logit shift must go for text of a genre the guard
 * has not seen. The seed's validation split is the same genre as its training rows, so a shift
 * fit there is too timid on unseen kinds of text. An auxiliary model is trained without the
 * `calibrationSources`; the gap between the shift those held-out sources need under it and the
 * shift its own validation rows need is the genre offset (calibrate.ts `calibrate` adds it to
 * the main model's validation shift).
 */
import { Effect } from "effect"
import type { Progress } from "../runtime/progress.ts"
import type { Rng } from "../runtime/rng.ts"
import { rowWeights } from "./balance.ts"
import { chooseShift, PRIORS, type CalibrationPrior, type GenreOffset, type HeldOutShifts } from "./calibrate.ts"
import type { TrainConfig } from "./config.ts"
import type { GuardError } from "./errors.ts"
import type { GuardWeights } from "./model.ts"
import { maxLogitsOf, subset, type Encoded, type TrainRow } from "./train-data.ts"

/** Trains a model with early stopping: train.ts `fit`, passed in so calibration need not import the loop. */
export type FitModel = (
  train: Encoded,
  validation: Encoded,
  rng: Rng,
  label: string
) => Effect.Effect<{ readonly weights: GuardWeights }, GuardError, Progress>

/** Rows the "sources" calibration's auxiliary model may see: none from, or rewritten from, a held-out source. */
export const auxiliaryRows = (rows: ReadonlyArray<TrainRow>, held: ReadonlySet<string>): Array<number> =>
  rows.flatMap((r, i) => (held.has(r.source) || (r.derivedFrom !== undefined && held.has(r.derivedFrom)) ? [] : [i]))

/**
 * Train the auxiliary model and measure the genre offset under each prior. `trainData` and
 * `valData` are `train` and `validation` encoded. Null when the held-out sources are absent or
 * leave the auxiliary model nothing to train or validate on.
 */
export const heldOutShifts = (
  train: ReadonlyArray<TrainRow>,
  validation: ReadonlyArray<TrainRow>,
  trainData: Encoded,
  valData: Encoded,
  config: TrainConfig,
  rng: Rng,
  fitModel: FitModel
): Effect.Effect<HeldOutShifts | null, GuardError, Progress> =>
  Effect.gen(function* () {
    const held = new Set(config.calibrationSources)
    const trainIdx = auxiliaryRows(train, held)
    const valIdx = auxiliaryRows(validation, held)
    const heldRows = [...train, ...validation].filter((r) => held.has(r.source))
    const present = [...held].filter((s) => heldRows.some((r) => r.source === s)).sort()
    if (heldRows.length === 0 || trainIdx.length === 0 || valIdx.length === 0) return null

    const pick = <T>(xs: ReadonlyArray<T>, idx: ReadonlyArray<number>) => idx.map((i) => xs[i])
    const auxTrain = subset(trainData, trainIdx, rowWeights(pick(train, trainIdx), config.balance))
    const auxVal = subset(valData, valIdx, rowWeights(pick(validation, valIdx), config.balance))
    // The stream's name, not the order of calls, fixes the auxiliary model's randomness.
    const aux = yield* fitModel(auxTrain, auxVal, rng.child("calibration"), "calibration model ")

    // Held-out rows in train-then-validation order, as `heldRows`; scoring ignores row weights.
    const heldIdx = [...train.flatMap((r, i) => (held.has(r.source) ? [i] : []))]
    const heldValIdx = validation.flatMap((r, i) => (held.has(r.source) ? [i] : []))
    const heldLogits = new Float32Array(heldRows.length)
    heldLogits.set(maxLogitsOf(aux.weights, subset(trainData, heldIdx, new Float64Array(heldIdx.length))))
    heldLogits.set(maxLogitsOf(aux.weights, subset(valData, heldValIdx, new Float64Array(heldValIdx.length))), heldIdx.length)
    const auxValLogits = maxLogitsOf(aux.weights, auxVal)

    const offsetUnder = (prior: CalibrationPrior): GenreOffset => {
      const onValidation = chooseShift(auxValLogits, pick(validation, valIdx).map((r) => r.unsafe), pick(validation, valIdx).map((r) => r.lang), prior)
      const onHeldOut = chooseShift(heldLogits, heldRows.map((r) => r.unsafe), heldRows.map((r) => r.lang), prior)
      return { onValidation, onHeldOut, offset: Math.round((onHeldOut.shift - onValidation.shift) * 100) / 100 }
    }
    const byPrior = Object.fromEntries(PRIORS.map((p) => [p, offsetUnder(p)])) as Record<CalibrationPrior, GenreOffset>
    return { sources: present, rows: heldRows.length, byPrior }
  })
