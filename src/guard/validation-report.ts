/**
 * What training reports about the kept checkpoint on the validation split: its loss, how it
 * was calibrated, unsafe-vs-safe metrics at the 0.5 rule per language, and per-category AUC.
 */
import { CATEGORY_IDS, type CategoryId } from "../../schemas/taxonomy.ts"
import type { Calibration } from "./calibrate.ts"
import { auc, groupedMetrics, type ValidationMetrics } from "./metrics.ts"
import { NUM_CATEGORIES, sigmoid } from "./model.ts"

export interface ValidationReport {
  /** Weighted validation loss of the kept checkpoint (same weighting as training). */
  readonly loss: number
  readonly calibration: Calibration
  /** Unsafe-vs-safe metrics at the 0.5 rule after calibration, overall and per language. */
  readonly byLanguage: Readonly<Record<string, ValidationMetrics>>
  /** Per-category ROC AUC (one-vs-rest on validation rows); NaN where a category is absent. */
  readonly categoryAuc: Readonly<Record<string, number>>
}

/** The report from the uncalibrated `logits` of the validation rows and their max per row. */
export const validationReport = (
  validation: ReadonlyArray<{ readonly lang: string; readonly unsafe: boolean; readonly categories: ReadonlyArray<CategoryId> }>,
  logits: Float32Array,
  maxLogits: Float32Array,
  loss: number,
  calibration: Calibration
): ValidationReport => {
  const probs = Array.from(maxLogits, (x) => sigmoid(x + calibration.shift))
  const categoryAuc: Record<string, number> = {}
  for (const [c, id] of CATEGORY_IDS.entries()) {
    const scores = validation.map((_, i) => logits[i * NUM_CATEGORIES + c])
    const has = validation.map((r) => r.categories.includes(id))
    categoryAuc[id] = Math.round(auc(has, scores) * 10000) / 10000
  }
  const labels = validation.map((r) => r.unsafe)
  const langs = validation.map((r) => r.lang)
  return { loss, calibration, byLanguage: groupedMetrics(labels, probs, langs), categoryAuc }
}
