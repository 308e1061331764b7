/**
 * Per-row training weights. The seed is lopsided in ways a model happily learns as shortcuts
 * (see the baseline note in ../shared/notes): 20k profane tweets make "unsafe" mean
 * "profanity", 31k benign instructions face 1.4k harmful requests, and some languages come
 * with one label only. Three rules, in order:
 *
 * 1. Source tempering. Rows are grouped by (source, language, label), or by (source family,
 *    language, label) with `groupBy: "family"` (see `sourceFamily`); a group of n rows gets
 *    total weight n^T (T = sourceTemperature, 0.5 by default), so a big source still counts
 *    more than a small one, but sub-linearly. Weighting by source mattered more than by
 *    class in the baseline. The game's rows (source "selfplay", guard-rows.ts) get
 *    `syntheticMass` times that.
 * 2. Label balance per language. Within a language that has both labels, the unsafe groups
 *    are rescaled to carry the same total weight as the safe ones, so the language itself
 *    says nothing about the label. A language with one label only keeps its weight (nothing to
 *    balance against; the generator has to supply the other side).
 * 3. Clipping. Row weights are clipped to [max/maxWeightRatio, max] to bound gradient noise,
 *    then scaled to mean 1 so learning rates don't depend on the mix.
 */
import type { BalanceConfig } from "./config.ts"
import { hash32 } from "../runtime/rng.ts"
import { SELFPLAY_SOURCE } from "./guard-rows.ts"

/**
 * The family a source belongs to for weighting: the 16 gettext catalogs are one kind of text
 * (UI strings), as are the 30 UD treebank files and the three fortune collections. Grouped by
 * source, they would weigh 16, 30 and 3 times as much as one dataset.
 */
export const sourceFamily = (source: string): string => /^(gettext|ud|fortunes)-/.exec(source)?.[1] ?? source

export interface Weighable {
  readonly source: string
  readonly lang: string
  readonly unsafe: boolean
}

const groupKeyOf = (cfg: typeof BalanceConfig.Type) => (r: Weighable) =>
  `${cfg.groupBy === "family" ? sourceFamily(r.source) : r.source}\u0000${r.lang}\u0000${r.unsafe ? 1 : 0}`

/**
 * At most `cap` rows of each (source or family, language, label) group, picked by a hash of
 * the text and the seed (deterministic, independent of row order). Groups are weighted to the
 * same mass anyway (sourceTemperature 0), so beyond a few thousand rows a group adds training
 * time more than it adds signal.
 */
export const capGroups = <R extends Weighable & { readonly text: string }>(rows: ReadonlyArray<R>, cfg: typeof BalanceConfig.Type, seed: number): Array<R> => {
  if (cfg.maxRowsPerGroup === null) return [...rows]
  const key = groupKeyOf(cfg)
  const groups = new Map<string, Array<number>>()
  rows.forEach((r, i) => {
    const k = key(r)
    const g = groups.get(k) ?? groups.set(k, []).get(k)!
    g.push(i)
  })
  const keep = new Uint8Array(rows.length)
  for (const idx of groups.values()) {
    if (idx.length <= cfg.maxRowsPerGroup) {
      for (const i of idx) keep[i] = 1
      continue
    }
    const ranked = idx.map((i) => [hash32(`${seed}/${rows[i].text}`), i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1])
    for (const [, i] of ranked.slice(0, cfg.maxRowsPerGroup)) keep[i] = 1
  }
  return rows.filter((_, i) => keep[i] === 1)
}

export const rowWeights = (rows: ReadonlyArray<Weighable>, cfg: typeof BalanceConfig.Type): Float64Array => {
  const groupKey = groupKeyOf(cfg)
  const counts = new Map<string, number>()
  for (const r of rows) counts.set(groupKey(r), (counts.get(groupKey(r)) ?? 0) + 1)

  // 1. Tempered mass per group.
  const mass = new Map<string, number>()
  for (const [k, n] of counts) {
    const synthetic = k.startsWith(`${SELFPLAY_SOURCE}\u0000`)
    mass.set(k, Math.pow(n, cfg.sourceTemperature) * (synthetic ? (cfg.syntheticMass ?? 1) : 1))
  }

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
