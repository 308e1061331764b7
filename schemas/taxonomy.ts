/**
 * The DuoGuard taxonomy: 12 unsafe categories, multi-label.
 * A row is unsafe iff it has at least one category; the guard's unsafe
 * probability is the max of the 12 category sigmoids.
 */
import { Schema } from "effect"

export const CATEGORY_IDS = [
  "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9", "C10", "C11", "C12"
] as const

export const CategoryId = Schema.Literal(...CATEGORY_IDS)
export type CategoryId = typeof CategoryId.Type

export const CATEGORY_NAMES: Readonly<Record<CategoryId, string>> = {
  C1: "violent crimes",
  C2: "non-violent crimes",
  C3: "sex-related crimes",
  C4: "child sexual exploitation",
  C5: "specialized advice",
  C6: "privacy",
  C7: "intellectual property",
  C8: "indiscriminate weapons",
  C9: "hate",
  C10: "suicide & self-harm",
  C11: "sexual content",
  C12: "jailbreak prompts"
}

/** Position of a category in the guard's 12-wide output vector. */
export const categoryIndex = (id: CategoryId): number => CATEGORY_IDS.indexOf(id)

/** The flag rule of the paper: fixed, never tuned. */
export const FLAG_THRESHOLD = 0.5
