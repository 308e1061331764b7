/**
 * A loaded CNN guard as a classifier: texts → the guard's `Prediction`s (max of the 12
 * calibrated sigmoids, flagged when > 0.5). The shape of src/eval/evaluate.ts `Classifier`, so
 * the evaluation code scores it as it scores the main family.
 */
import { Effect } from "effect"
import type { Prediction } from "../../../schemas/index.ts"
import { GuardError } from "../errors.ts"
import type { CnnModel } from "./storage.ts"
import type { TokenIds } from "./tokenizer.ts"
import { predictionsOf } from "./train.ts"

export interface CnnClassifier {
  readonly modelDir: string
  readonly backend: string
  readonly classify: (texts: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<Prediction>, GuardError>
}

export const cnnClassifier = (model: CnnModel, tokenizer: TokenIds, modelDir: string, backend: string): Effect.Effect<CnnClassifier, GuardError> =>
  model.tokenizer !== tokenizer.name || model.weights.shape.vocab !== tokenizer.vocabSize
    ? Effect.fail(
        new GuardError({
          reason: `the CNN guard in ${modelDir} was trained with ${model.tokenizer} (${model.weights.shape.vocab} ids), not ${tokenizer.name} (${tokenizer.vocabSize} ids)`
        })
      )
    : Effect.succeed({
        modelDir,
        backend,
        classify: (texts) =>
          Effect.try({
            try: () => predictionsOf(model.weights, texts.map((t) => tokenizer.encode(t, model.maxLen))),
            catch: (e) => new GuardError({ reason: `CNN guard (${modelDir}): ${e instanceof Error ? e.message : String(e)}` })
          })
      })
