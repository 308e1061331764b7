/**
 * From logits to verdicts, shared by the Node guard (guard.ts) and the browser playground
 * (serve/playground/score.ts) so both apply the same rule: unsafe = max of the 12 category
 * sigmoids, flagged iff unsafe > 0.5; a conversation turn is as unsafe as its worst side.
 * Browser-safe: no `node:` imports.
 */
import { Effect } from "effect"
import type { Prediction } from "../../schemas/prediction.ts"
import { turnsProblem } from "./input.ts"
import { CATEGORY_IDS, FLAG_THRESHOLD, type CategoryId } from "../../schemas/taxonomy.ts"
import { NUM_CATEGORIES, sigmoid } from "./model.ts"

/** The prediction of row `row` of a [rows × 12] logits buffer. */
export const predictionAt = (logits: ArrayLike<number>, row: number): Prediction => {
  const categories = {} as Record<CategoryId, number>
  let unsafe = 0
  for (let c = 0; c < NUM_CATEGORIES; c++) {
    const p = sigmoid(logits[row * NUM_CATEGORIES + c])
    categories[CATEGORY_IDS[c]] = p
    if (p > unsafe) unsafe = p
  }
  return { unsafe, flagged: unsafe > FLAG_THRESHOLD, categories }
}

/** Elementwise max of two predictions. */
export const worstOf = (a: Prediction, b: Prediction): Prediction => {
  const categories = {} as Record<CategoryId, number>
  for (const id of CATEGORY_IDS) categories[id] = Math.max(a.categories[id], b.categories[id])
  const unsafe = Math.max(a.unsafe, b.unsafe)
  return { unsafe, flagged: unsafe > FLAG_THRESHOLD, categories }
}

export interface ConversationTurn {
  readonly prompt: string
  readonly response?: string | undefined
}

/**
 * The texts that moderate a conversation: each prompt alone and, when the turn has a reply,
 * the reply read together with its prompt (the paper's `prompt + ' ' + response` input).
 */
export const turnTexts = (turns: ReadonlyArray<ConversationTurn>): Array<string> => {
  const texts: Array<string> = []
  for (const t of turns) {
    texts.push(t.prompt)
    if (t.response !== undefined) texts.push(`${t.prompt} ${t.response}`)
  }
  return texts
}

/** One prediction per turn from the predictions of `turnTexts(turns)`: the worse of its two. */
export const turnVerdicts = (turns: ReadonlyArray<ConversationTurn>, predictions: ReadonlyArray<Prediction>): Array<Prediction> => {
  let k = 0
  return turns.map((t) => {
    const p = predictions[k++]
    return t.response === undefined ? p : worstOf(p, predictions[k++])
  })
}

/**
 * `classifyConversation` for a guard with `classify`: turns checked (input.ts), each turn's
 * prompt and response scored, one verdict per turn. Shared by the tfjs and ONNX guards.
 */
export const classifyTurnsWith =
  <E>(classify: (texts: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<Prediction>, E>, fail: (problem: string) => E) =>
  (turns: ReadonlyArray<ConversationTurn>): Effect.Effect<Array<Prediction>, E> => {
    const problem = turnsProblem(turns)
    return problem !== undefined ? Effect.fail(fail(problem)) : Effect.map(classify(turnTexts(turns)), (predictions) => turnVerdicts(turns, predictions))
  }
