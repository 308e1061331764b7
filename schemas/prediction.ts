/** What the guard says about one text. */
import { Schema } from "effect"
import { CATEGORY_IDS, CategoryId } from "./taxonomy.ts"

const Probability = Schema.Number.pipe(Schema.between(0, 1))

export const CategoryScores = Schema.Struct(
  Object.fromEntries(CATEGORY_IDS.map((id) => [id, Probability])) as {
    [K in CategoryId]: typeof Probability
  }
)
export type CategoryScores = typeof CategoryScores.Type

export const Prediction = Schema.Struct({
  /** max of the 12 category probabilities */
  unsafe: Probability,
  /** unsafe > 0.5, the paper's fixed rule */
  flagged: Schema.Boolean,
  categories: CategoryScores
})
export type Prediction = typeof Prediction.Type
