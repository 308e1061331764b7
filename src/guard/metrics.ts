/**
 * Binary classification metrics with "unsafe" as the positive class, as the paper scores them:
 * flagged iff score > threshold (strictly; 0.5 by default). Every function takes the labels
 * first, then the scores. Values are fractions in [0, 1] (reports turn them into percent).
 *
 * Zero-division conventions (the same as scikit-learn's `zero_division=0`, except FPR):
 * - precision with nothing flagged (tp + fp = 0)          → 0
 * - recall with no unsafe rows (tp + fn = 0)              → 0
 * - F1 = 2tp / (2tp + fp + fn); all of them 0             → 0
 * - FPR with no safe rows (fp + tn = 0)                   → null: undefined, not 0. XSafety has
 *   only unsafe rows, so its FPR is shown as "–" rather than a flattering 0.
 * - average precision with no unsafe rows                 → null (no recall axis to integrate).
 * - ROC AUC with one class only                           → NaN
 */
import { FLAG_THRESHOLD } from "../../schemas/taxonomy.ts"

export interface Confusion {
  readonly tp: number
  readonly fp: number
  readonly tn: number
  readonly fn: number
}

/** Count outcomes; `labels[i]` true = unsafe, `flagged[i]` true = the guard said unsafe. */
export const confusion = (labels: ArrayLike<boolean>, flagged: ArrayLike<boolean>): Confusion => {
  if (labels.length !== flagged.length) {
    throw new RangeError(`confusion: ${labels.length} labels but ${flagged.length} predictions`)
  }
  let tp = 0, fp = 0, tn = 0, fn = 0
  for (let i = 0; i < labels.length; i++) {
    if (flagged[i]) labels[i] ? tp++ : fp++
    else labels[i] ? fn++ : tn++
  }
  return { tp, fp, tn, fn }
}

export const precision = (c: Confusion): number => (c.tp + c.fp === 0 ? 0 : c.tp / (c.tp + c.fp))

export const recall = (c: Confusion): number => (c.tp + c.fn === 0 ? 0 : c.tp / (c.tp + c.fn))

/** F1 from counts (equals the harmonic mean of precision and recall when both are defined). */
export const f1 = (c: Confusion): number => {
  const d = 2 * c.tp + c.fp + c.fn
  return d === 0 ? 0 : (2 * c.tp) / d
}

/** False-positive rate: share of safe rows flagged. null when there are no safe rows. */
export const falsePositiveRate = (c: Confusion): number | null => (c.fp + c.tn === 0 ? null : c.fp / (c.fp + c.tn))

/**
 * Average precision (AUPRC), the step-wise definition of scikit-learn's `average_precision_score`:
 *
 *   AP = Σ_k (R_k − R_{k−1}) · P_k
 *
 * over the distinct score thresholds taken from high to low, where P_k and R_k are the precision
 * and recall when flagging every row with score ≥ the k-th threshold (R_0 = 0). Rows with equal
 * scores enter together (one threshold), so ties are not broken by input order. No interpolation:
 * this is not the trapezoidal area, which over-estimates on few points.
 * Returns null when there are no positive (unsafe) rows.
 */
export const averagePrecision = (labels: ArrayLike<boolean>, scores: ArrayLike<number>): number | null => {
  if (labels.length !== scores.length) {
    throw new RangeError(`averagePrecision: ${labels.length} labels but ${scores.length} scores`)
  }
  const order = Array.from({ length: scores.length }, (_, i) => i)
  for (const i of order) {
    if (!Number.isFinite(scores[i])) throw new RangeError(`averagePrecision: score ${i} is ${scores[i]}`)
  }
  order.sort((a, b) => scores[b] - scores[a])
  let positives = 0
  for (let i = 0; i < labels.length; i++) if (labels[i]) positives++
  if (positives === 0) return null
  let tp = 0, seen = 0, prevRecall = 0, ap = 0
  for (let k = 0; k < order.length; ) {
    // Consume every row tied at this score before evaluating the threshold.
    const s = scores[order[k]]
    while (k < order.length && scores[order[k]] === s) {
      if (labels[order[k]]) tp++
      seen++
      k++
    }
    const r = tp / positives
    ap += (r - prevRecall) * (tp / seen)
    prevRecall = r
  }
  return ap
}

/** ROC AUC by the rank-sum (Mann–Whitney) formula, ties counted half; NaN with one class only. */
export const auc = (labels: ArrayLike<boolean>, scores: ArrayLike<number>): number => {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b])
  let pos = 0, neg = 0, rankSum = 0
  for (let i = 0; i < idx.length; ) {
    let j = i
    while (j + 1 < idx.length && scores[idx[j + 1]] === scores[idx[i]]) j++
    const midRank = (i + j) / 2 + 1
    for (let k = i; k <= j; k++) {
      if (labels[idx[k]]) {
        pos++
        rankSum += midRank
      } else neg++
    }
    i = j + 1
  }
  if (pos === 0 || neg === 0) return Number.NaN
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg)
}

/** Everything the evaluation report shows for one set of rows at a fixed threshold. */
export interface BinaryMetrics extends Confusion {
  readonly n: number
  readonly nUnsafe: number
  readonly f1: number
  readonly precision: number
  readonly recall: number
  readonly fpr: number | null
  readonly auprc: number | null
  /** Share of rows flagged. */
  readonly flagRate: number
}

const flags = (scores: ArrayLike<number>, threshold: number): Array<boolean> => Array.from(scores, (s) => s > threshold)

/** Score rows: flagged iff score > threshold (strictly, the paper's rule). */
export const binaryMetrics = (
  labels: ArrayLike<boolean>,
  scores: ArrayLike<number>,
  threshold = FLAG_THRESHOLD
): BinaryMetrics => {
  const c = confusion(labels, flags(scores, threshold))
  const n = labels.length
  return {
    ...c,
    n,
    nUnsafe: c.tp + c.fn,
    f1: f1(c),
    precision: precision(c),
    recall: recall(c),
    fpr: falsePositiveRate(c),
    auprc: averagePrecision(labels, scores),
    flagRate: n === 0 ? 0 : (c.tp + c.fp) / n
  }
}

/**
 * The summary a trained guard keeps of its validation rows (model.json `validation.byLanguage`),
 * at the 0.5 rule, rounded to 4 decimals so the manifest stays short and stable.
 */
export interface ValidationMetrics {
  readonly n: number
  readonly positives: number
  readonly flagged: number
  readonly precision: number
  readonly recall: number
  readonly f1: number
  /** ROC AUC (ranking quality, threshold-free); NaN with one class only. */
  readonly auc: number
}

const round = (x: number) => Math.round(x * 10000) / 10000

export const validationMetrics = (labels: ArrayLike<boolean>, scores: ArrayLike<number>): ValidationMetrics => {
  const c = confusion(labels, flags(scores, FLAG_THRESHOLD))
  const p = precision(c)
  const r = recall(c)
  return {
    n: scores.length,
    positives: c.tp + c.fn,
    flagged: c.tp + c.fp,
    precision: round(p),
    recall: round(r),
    // The harmonic mean of the unrounded pair, as model.json files have always stored it.
    f1: round(p + r > 0 ? (2 * p * r) / (p + r) : 0),
    auc: round(auc(labels, scores))
  }
}

/** Validation metrics per group (e.g. language) plus "all". */
export const groupedMetrics = (
  labels: ArrayLike<boolean>,
  scores: ArrayLike<number>,
  groups: ReadonlyArray<string>
): Record<string, ValidationMetrics> => {
  const byGroup = new Map<string, Array<number>>()
  groups.forEach((g, i) => {
    let a = byGroup.get(g)
    if (!a) byGroup.set(g, (a = []))
    a.push(i)
  })
  const out: Record<string, ValidationMetrics> = { all: validationMetrics(labels, scores) }
  for (const g of [...byGroup.keys()].sort()) {
    const ix = byGroup.get(g)!
    out[g] = validationMetrics(ix.map((i) => labels[i]), ix.map((i) => scores[i]))
  }
  return out
}
