/**
 * Settings of a CNN guard training run (model.ts in this folder). Everything that is not about
 * the network itself — row balance, the two losses, calibration and the everyday operating
 * point (../config.ts EVERYDAY_RULE) — is the main family's default (../config.ts
 * DEFAULT_TRAIN_CONFIG), so the two families differ by the model alone.
 */
import { Schema } from "effect"
import { DEFAULT_TRAIN_CONFIG, TrainConfig } from "../config.ts"

const PositiveInt = Schema.Int.pipe(Schema.positive())

const pick = <F extends object, K extends keyof F>(fields: F, ...keys: Array<K>): Pick<F, K> =>
  Object.fromEntries(keys.map((k) => [k, fields[k]])) as Pick<F, K>

export const CnnConfig = Schema.Struct({
  /** Tokens kept per text (the first ones). */
  maxLen: PositiveInt,
  model: Schema.Struct({
    dim: PositiveInt,
    width: PositiveInt.pipe(Schema.filter((w) => w % 2 === 1 || `convolution width must be odd, got ${w}`)),
    filters: PositiveInt,
    hidden: Schema.Int.pipe(Schema.nonNegative())
  }),
  // Balance, schedule, early stopping and losses mean what they mean for the main family.
  ...pick(TrainConfig.fields, "balance", "batchSize", "maxEpochs", "evalsPerEpoch", "patience", "learningRate", "embeddingLearningRate", "warmup"),
  /** Dropout on the pooled filters during training. */
  dropout: Schema.Number.pipe(Schema.between(0, 0.9)),
  ...pick(TrainConfig.fields, "weightDecay", "categoryLossWeight", "unsafeLossWeight"),
  /** "f1" or "none", as for the main family (its "sources" mode needs an auxiliary model the CNN does not train). */
  calibration: Schema.optionalWith(Schema.Literal("f1", "none"), { default: () => "f1" as const }),
  calibrationPrior: TrainConfig.fields.calibrationPrior,
  defaultOperatingPoint: TrainConfig.fields.defaultOperatingPoint,
  everyday: TrainConfig.fields.everyday
})
export type CnnConfig = typeof CnnConfig.Type
export type CnnConfigEncoded = typeof CnnConfig.Encoded

const main = DEFAULT_TRAIN_CONFIG

/**
 * 262,145 × 32 float16 embedding = 16.8 MB saved (the main family's table is 16.8 MB too);
 * 128 filters of width 3. Set before any result was seen, not tuned on the generalization
 * check or on benchmarks.
 */
export const DEFAULT_CNN_CONFIG: CnnConfigEncoded = {
  maxLen: 64,
  model: { dim: 32, width: 3, filters: 128, hidden: 0 },
  ...pick(main, "balance", "batchSize", "maxEpochs", "evalsPerEpoch", "patience", "learningRate", "embeddingLearningRate", "warmup"),
  dropout: 0,
  ...pick(main, "weightDecay", "categoryLossWeight", "unsafeLossWeight"),
  calibration: main.calibration === "none" ? "none" : "f1",
  ...pick(main, "calibrationPrior", "defaultOperatingPoint", "everyday")
}
