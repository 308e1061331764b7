/**
 * Binary metrics for the guard's unsafe verdict (positive class = unsafe), as the paper scores:
 * flagged iff probability > 0.5. Used on the seed's validation split only.
 */
import { FLAG_THRESHOLD } from "../../schemas/taxonomy.ts"

export interface BinaryMetrics {
  readonly n: number
  readonly positives: number
  readonly flagged: number
  readonly precision: number
  readonly recall: number
  readonly f1: number
  /** Area under the ROC curve (ranking quality, threshold-free); NaN with one class only. */
  readonly auc: number
}

const round = (x: number) => Math.round(x * 10000) / 10000

export const binaryMetrics = (
  scores: ArrayLike<number>,
  labels: ArrayLike<boolean>,
  threshold = FLAG_THRESHOLD
): BinaryMetrics => {
  let tp = 0, fp = 0, fn = 0, pos = 0
  for (let i = 0; i < scores.length; i++) {
    const flagged = scores[i] > threshold
    if (labels[i]) pos++
    if (flagged && labels[i]) tp++
    else if (flagged) fp++
    else if (labels[i]) fn++
  }
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0
  return {
    n: scores.length,
    positives: pos,
    flagged: tp + fp,
    precision: round(precision),
    recall: round(recall),
    f1: round(f1),
    auc: round(auc(scores, labels))
  }
}

/** ROC AUC by the rank-sum (Mann–Whitney) formula, ties counted half. */
export const auc = (scores: ArrayLike<number>, labels: ArrayLike<boolean>): number => {
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

/** Metrics per group (e.g. language) plus "all". */
export const groupedMetrics = (
  scores: ArrayLike<number>,
  labels: ArrayLike<boolean>,
  groups: ReadonlyArray<string>
): Record<string, BinaryMetrics> => {
  const byGroup = new Map<string, Array<number>>()
  groups.forEach((g, i) => {
    let a = byGroup.get(g)
    if (!a) byGroup.set(g, (a = []))
    a.push(i)
  })
  const out: Record<string, BinaryMetrics> = { all: binaryMetrics(scores, labels) }
  for (const g of [...byGroup.keys()].sort()) {
    const ix = byGroup.get(g)!
    out[g] = binaryMetrics(ix.map((i) => scores[i]), ix.map((i) => labels[i]))
  }
  return out
}
