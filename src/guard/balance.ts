/**
 * Per-row training weights. The seed is lopsided in ways a model happily learns as shortcuts
 * (see the baseline note in ../shared/notes): 20k profane tweets make "unsafe" mean
 * "profanity", 31k benign instructions face 1.4k harmful requests, and some languages come
 * with one label only. Three rules, in order:
 *
 * 1. Source tempering. Rows are grouped by (source, language, label); a group of n rows gets
 *    total weight n^T (T = sourceTemperature, 0.5 by default), so a big source still counts
 *    more than a small one, but sub-linearly. Weighting by source mattered more than by
 *    class in the baseline.
 * 2. Label balance per language. Within a language that has both labels, the unsafe groups
 *    are rescaled to carry the same total weight as the safe ones, so the language itself
 *    says nothing about the label. A language with one label only keeps its weight (nothing to
 *    balance against; the generator has to supply the other side).
 * 3. Clipping. Row weights are clipped to [max/maxWeightRatio, max] to bound gradient noise,
 *    then scaled to mean 1 so learning rates don't depend on the mix.
 */
import type { BalanceConfig } from "./config.ts"

export interface Weighable {
  readonly source: string
  readonly lang: string
  readonly unsafe: boolean
}

export const rowWeights = (rows: ReadonlyArray<Weighable>, cfg: typeof BalanceConfig.Type): Float64Array => {
  const groupKey = (r: Weighable) => `${r.source}\u0000${r.lang}\u0000${r.unsafe ? 1 : 0}`
  const counts = new Map<string, number>()
  for (const r of rows) counts.set(groupKey(r), (counts.get(groupKey(r)) ?? 0) + 1)

  // 1. Tempered mass per group.
  const mass = new Map<string, number>()
  for (const [k, n] of counts) mass.set(k, Math.pow(n, cfg.sourceTemperature))

  // 2. Equal safe/unsafe mass within each language that has both.
  if (cfg.balanceLabelsPerLanguage) {
    const perLang = new Map<string, { safe: number; unsafe: number }>()
    for (const [k, m] of mass) {
      const [, lang, label] = k.split("\u0000")
      const e = perLang.get(lang) ?? { safe: 0, unsafe: 0 }
      if (label === "1") e.unsafe += m
      else e.safe += m
      perLang.set(lang, e)
    }
    for (const [k, m] of mass) {
      const [, lang, label] = k.split("\u0000")
      const e = perLang.get(lang)!
      if (e.safe === 0 || e.unsafe === 0) continue
      // Scale both sides to the mean of the two, keeping the language's total mass.
      const target = (e.safe + e.unsafe) / 2
      mass.set(k, (m * target) / (label === "1" ? e.unsafe : e.safe))
    }
  }

  // 3. Per-row weight, clipped, mean 1.
  const w = new Float64Array(rows.length)
  let max = 0
  for (let i = 0; i < rows.length; i++) {
    const k = groupKey(rows[i])
    w[i] = mass.get(k)! / counts.get(k)!
    if (w[i] > max) max = w[i]
  }
  const floor = max / cfg.maxWeightRatio
  let sum = 0
  for (let i = 0; i < w.length; i++) {
    if (w[i] < floor) w[i] = floor
    sum += w[i]
  }
  const mean = sum / Math.max(1, w.length)
  for (let i = 0; i < w.length; i++) w[i] /= mean
  return w
}
