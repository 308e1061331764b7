/**
 * The guard's scoring in the browser: the same features, network and flag rule as
 * `src/guard/guard.ts` (which imports Node modules and cannot be bundled), over weights
 * decoded from the served `model.json` + `weights.bin`. Browser-safe; the playground test
 * checks that its scores equal the server's.
 */
import { CATEGORY_IDS, FLAG_THRESHOLD, type CategoryId } from "../../../schemas/taxonomy.ts"
import { Featurizer } from "../../guard/features.ts"
import { decodeModel } from "../../guard/format.ts"
import { disposeTensors, logitsOf, NUM_CATEGORIES, sigmoid, uploadWeights, type GuardTensors } from "../../guard/model.ts"
import type { Turn } from "../conversation.ts"

export interface Scores {
  readonly unsafe: number
  readonly flagged: boolean
  readonly categories: Readonly<Record<CategoryId, number>>
}

export interface BrowserGuard {
  /** One score per text, in order. */
  readonly classify: (texts: ReadonlyArray<string>) => Array<Scores>
  /** One score per turn: the worst of the prompt alone and the prompt read with its reply. */
  readonly classifyTurns: (turns: ReadonlyArray<Turn>) => Array<Scores>
  readonly dispose: () => void
}

const scoresAt = (logits: Float32Array, row: number): Scores => {
  const categories = {} as Record<CategoryId, number>
  let unsafe = 0
  for (let c = 0; c < NUM_CATEGORIES; c++) {
    const p = sigmoid(logits[row * NUM_CATEGORIES + c])
    categories[CATEGORY_IDS[c]] = p
    if (p > unsafe) unsafe = p
  }
  return { unsafe, flagged: unsafe > FLAG_THRESHOLD, categories }
}

const worst = (a: Scores, b: Scores): Scores => {
  const categories = {} as Record<CategoryId, number>
  for (const id of CATEGORY_IDS) categories[id] = Math.max(a.categories[id], b.categories[id])
  const unsafe = Math.max(a.unsafe, b.unsafe)
  return { unsafe, flagged: unsafe > FLAG_THRESHOLD, categories }
}

/** Decode the model files and upload the weights to the active tfjs backend. */
export const browserGuard = (modelJson: string, weightsBin: Uint8Array): BrowserGuard => {
  const { weights, features } = decodeModel(modelJson, weightsBin)
  const tensors: GuardTensors = uploadWeights(weights)
  const featurizer = new Featurizer(features)
  const classify = (texts: ReadonlyArray<string>) => {
    if (texts.length === 0) return []
    const logits = logitsOf(tensors, featurizer.batch(texts))
    return texts.map((_, i) => scoresAt(logits, i))
  }
  const classifyTurns = (turns: ReadonlyArray<Turn>) => {
    const texts: Array<string> = []
    for (const t of turns) {
      texts.push(t.prompt)
      if (t.response !== undefined) texts.push(`${t.prompt} ${t.response}`)
    }
    const scores = classify(texts)
    let k = 0
    return turns.map((t) => {
      const p = scores[k++]
      return t.response === undefined ? p : worst(p, scores[k++])
    })
  }
  return { classify, classifyTurns, dispose: () => disposeTensors(tensors) }
}
