import { describe, expect, it } from "vitest"
import { capGroups, rowWeights, sourceFamily, type Weighable } from "../../src/guard/balance.ts"
import { chooseShift, everydayShift } from "../../src/guard/calibrate.ts"

const rows = (source: string, lang: string, unsafe: boolean, n: number): Array<Weighable & { text: string }> =>
  Array.from({ length: n }, (_, i) => ({ source, lang, unsafe, text: `${source} ${lang} ${unsafe} ${i}` }))

describe("rowWeights", () => {
  const data = [
    ...rows("tweets", "en", true, 2000),
    ...rows("tweets", "en", false, 500),
    ...rows("instructions", "en", false, 3000),
    ...rows("requests", "en", true, 100),
    ...rows("ud", "nl", false, 50)
  ]
  const cfg = { sourceTemperature: 0.5, balanceLabelsPerLanguage: true, maxWeightRatio: 1000, groupBy: "source" as const, maxRowsPerGroup: null }
  const w = rowWeights(data, cfg)
  const mass = (pred: (r: Weighable) => boolean) => data.reduce((a, r, i) => a + (pred(r) ? w[i] : 0), 0)

  it("averages to 1", () => {
    expect(w.reduce((a, b) => a + b, 0) / w.length).toBeCloseTo(1, 9)
  })

  it("gives safe and unsafe rows equal mass within a language that has both", () => {
    expect(mass((r) => r.lang === "en" && r.unsafe)).toBeCloseTo(mass((r) => r.lang === "en" && !r.unsafe), 6)
  })

  it("tempers big sources: group mass grows like sqrt(n), so a small source's rows weigh more", () => {
    const perRow = (s: string) => w[data.findIndex((r) => r.source === s)]
    expect(perRow("requests")).toBeGreaterThan(perRow("tweets"))
    // Both unsafe en groups are scaled by the same label factor, so their masses keep sqrt ratio.
    expect(mass((r) => r.source === "tweets" && r.unsafe) / mass((r) => r.source === "requests")).toBeCloseTo(Math.sqrt(20), 6)
  })

  it("leaves a one-label language unbalanced but present", () => {
    expect(mass((r) => r.lang === "nl")).toBeGreaterThan(0)
  })

  it("clips the weight ratio", () => {
    const clipped = rowWeights(data, { ...cfg, maxWeightRatio: 2 })
    expect(Math.max(...clipped) / Math.min(...clipped)).toBeLessThanOrEqual(2 + 1e-9)
  })

  it("groups source families (gettext catalogs, UD files) as one source with groupBy: family", () => {
    const ui = [...rows("gettext-coreutils", "de", false, 100), ...rows("gettext-gtk30", "de", false, 100), ...rows("germeval", "de", false, 100)]
    const flat = { ...cfg, sourceTemperature: 0 }
    const bySource = rowWeights(ui, flat)
    const byFamily = rowWeights(ui, { ...flat, groupBy: "family" })
    const share = (w: Float64Array) => ui.reduce((a, r, i) => a + (r.source.startsWith("gettext-") ? w[i] : 0), 0) / w.reduce((a, b) => a + b, 0)
    expect(share(bySource)).toBeCloseTo(2 / 3, 6)
    expect(share(byFamily)).toBeCloseTo(1 / 2, 6)
    expect(sourceFamily("ud-train-ko_gsd")).toBe("ud")
    expect(sourceFamily("davidson")).toBe("davidson")
  })

  it("scales the mass of the game's groups by syntheticMass, before label balancing", () => {
    const mixed = [...rows("germeval", "de", false, 400), ...rows("germeval", "de", true, 400), ...rows("selfplay", "de", true, 100), ...rows("selfplay", "de", false, 100)]
    const flat = { ...cfg, sourceTemperature: 0 }
    const share = (m: number) => {
      const ww = rowWeights(mixed, { ...flat, syntheticMass: m })
      return mixed.reduce((a, r, i) => a + (r.source === "selfplay" ? ww[i] : 0), 0) / ww.reduce((a, b) => a + b, 0)
    }
    expect(share(1)).toBeCloseTo(1 / 2, 6)
    expect(share(3)).toBeCloseTo(3 / 4, 6)
    expect(share(1 / 3)).toBeCloseTo(1 / 4, 6)
  })

  it("caps each group's rows deterministically, whatever the row order", () => {
    const capped = capGroups(data, { ...cfg, maxRowsPerGroup: 600 }, 7)
    const count = (rs: ReadonlyArray<Weighable>, s: string, u: boolean) => rs.filter((r) => r.source === s && r.unsafe === u).length
    expect(count(capped, "tweets", true)).toBe(600)
    expect(count(capped, "tweets", false)).toBe(500)
    expect(count(capped, "instructions", false)).toBe(600)
    const again = capGroups([...data].reverse(), { ...cfg, maxRowsPerGroup: 600 }, 7)
    expect(new Set(again.map((r) => r.text))).toEqual(new Set(capped.map((r) => r.text)))
    expect(capGroups(data, cfg, 7)).toHaveLength(data.length)
  })
})

describe("chooseShift", () => {
  it("moves the decision point to where per-language F1 is best", () => {
    // Scores are shifted down by 2: unsafe rows sit at logit -1, safe rows at -3.
    const logits = [-1, -1, -1, -3, -3, -3, -1, -1, -3, -3]
    const labels = [true, true, true, false, false, false, true, true, false, false]
    const langs = ["en", "en", "en", "en", "en", "en", "fr", "fr", "fr", "fr"]
    const c = chooseShift(logits, labels, langs)
    expect(c.meanF1Unshifted).toBe(0)
    expect(c.meanF1).toBe(1)
    // Any shift in (1, 3] separates; the smallest one on the grid is chosen.
    expect(c.shift).toBeCloseTo(1.05, 9)
    expect(c.languages).toEqual(["en", "fr"])
  })

  it("under the balanced prior, flags more readily where unsafe rows are rare", () => {
    // Unsafe at -1 and -2; three safe rows at -1.5 and twenty at -5.
    const logits = [-1, -2, -1.5, -1.5, -1.5, ...Array(20).fill(-5)]
    const labels = logits.map((_, i) => i < 2)
    const langs = logits.map(() => "es")
    // Observed: catching the second unsafe row costs three false flags, F1 0.667 → 0.571.
    expect(chooseShift(logits, labels, langs, "observed").shift).toBeCloseTo(1.05, 9)
    // Balanced: three of 23 safe rows weigh 3/46 of the mass, so catching both wins (F1 0.939).
    const balanced = chooseShift(logits, labels, langs, "balanced")
    expect(balanced.shift).toBeCloseTo(2.05, 9)
    expect(balanced.meanF1).toBeCloseTo(0.9388, 4)
  })

  it("skips languages with one label and returns no shift without usable data", () => {
    expect(chooseShift([1, 2], [false, false], ["nl", "nl"]).shift).toBe(0)
  })
})

describe("everydayShift", () => {
  const rule = { sourcePattern: "^(ud-|gettext-)", maxFlagRate: 0.05, minRows: 50 }
  // 100 everyday rows per language with logits −4.975 … −0.025 (de) and −2.475 … 2.475 (fr), off the 0.05 grid, plus rows it must ignore.
  const rows = [
    ...Array.from({ length: 100 }, (_, i) => ({ source: "ud-de", lang: "de", unsafe: false, logit: -4.975 + i * 0.05 })),
    ...Array.from({ length: 100 }, (_, i) => ({ source: "gettext-tar", lang: "fr", unsafe: false, logit: -2.475 + i * 0.05 })),
    ...Array.from({ length: 10 }, () => ({ source: "ud-ko", lang: "ko", unsafe: false, logit: 9 })),
    { source: "germeval", lang: "de", unsafe: false, logit: 9 },
    { source: "ud-de", lang: "de", unsafe: true, logit: 9 }
  ]
  const e = everydayShift(rows.map((r) => r.logit), rows, rule)

  it("takes the strictest language, so every language flags at most 5 % of its everyday rows", () => {
    expect(e.byLanguage.de).toEqual({ rows: 100, shift: 0.25 })
    expect(e.byLanguage.fr).toEqual({ rows: 100, shift: -2.25 })
    expect(e.shift).toBe(-2.25)
    for (const lang of ["de", "fr"]) {
      const logits = rows.filter((r) => r.lang === lang && r.source !== "germeval" && !r.unsafe).map((r) => r.logit)
      expect(logits.filter((x) => x + e.shift > 0).length / logits.length).toBeLessThanOrEqual(0.05)
    }
  })

  it("ignores unsafe rows, other sources and languages with too few everyday rows", () => {
    expect(e.byLanguage.ko).toBeUndefined()
    expect(everydayShift([], [], rule).shift).toBe(0)
  })

  it("asks natural sentences apart from the other everyday text of a language when the rule names them", () => {
    // Turkish: 900 easy UI strings (logit −5) and 100 sentences of which 20 score +1. Pooled, 2 % are
    // flagged at shift 0; the sentences alone need a shift of −1 or less.
    const tr = [
      ...Array.from({ length: 900 }, () => ({ source: "gettext-tar", lang: "tr", unsafe: false, logit: -5 })),
      ...Array.from({ length: 100 }, (_, i) => ({ source: "ud-train-tr_imst", lang: "tr", unsafe: false, logit: i < 20 ? 1 : -3 }))
    ]
    const pooled = everydayShift(tr.map((r) => r.logit), tr, rule)
    const apart = everydayShift(tr.map((r) => r.logit), tr, { ...rule, sentencePattern: "^ud-" })
    expect(pooled.shift).toBeGreaterThan(0)
    expect(Object.keys(apart.byLanguage)).toEqual(["tr", "tr/sentences"])
    expect(apart.shift).toBeLessThanOrEqual(-1)
    const flagged = tr.filter((r) => r.source.startsWith("ud-") && r.logit + apart.shift > 0).length
    expect(flagged / 100).toBeLessThanOrEqual(0.05)
  })
})
