/**
 * The guard's scoring in the browser: the same features, network and flag rule as
 * `src/guard/guard.ts` (which imports Node modules and cannot be bundled; both take the verdict
 * rule from `src/guard/verdict.ts`), over weights decoded from the served `model.json` +
 * `weights.bin`. Browser-safe; the playground test
 * checks that its scores equal the server's.
 */
import type { Prediction } from "../../../schemas/prediction.ts"
import { Featurizer } from "../../guard/features.ts"
import { decodeModel } from "../../guard/format.ts"
import { disposeTensors, logitsOf, uploadWeights, type GuardTensors } from "../../guard/model.ts"
import { predictionAt, turnTexts, turnVerdicts } from "../../guard/verdict.ts"
import type { Turn } from "../conversation.ts"

/** What the guard says about one text (schemas/prediction.ts). */
export type Scores = Prediction

export interface BrowserGuard {
  /** One score per text, in order. */
  readonly classify: (texts: ReadonlyArray<string>) => Array<Scores>
  /** One score per turn: the worst of the prompt alone and the prompt read with its reply. */
  readonly classifyTurns: (turns: ReadonlyArray<Turn>) => Array<Scores>
  readonly dispose: () => void
}

/** Decode the model files and upload the weights to the active tfjs backend. */
export const browserGuard = (modelJson: string, weightsBin: Uint8Array): BrowserGuard => {
  const { weights, features, lexicon, pieces } = decodeModel(modelJson, weightsBin)
  const tensors: GuardTensors = uploadWeights(weights)
  const featurizer = new Featurizer(features, lexicon, pieces)
  const classify = (texts: ReadonlyArray<string>) => {
    if (texts.length === 0) return []
    const logits = logitsOf(tensors, featurizer.batch(texts))
    return texts.map((_, i) => predictionAt(logits, i))
  }
  const classifyTurns = (turns: ReadonlyArray<Turn>) => turnVerdicts(turns, classify(turnTexts(turns)))
  return { classify, classifyTurns, dispose: () => disposeTensors(tensors) }
}
