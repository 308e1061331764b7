/** The generalization check's scoring, on rows and predictions written here. */
import { describe, expect, it } from "vitest"
import type { Example, Prediction } from "../../schemas/index.ts"
import { generalizationMarkdown, HELD_OUT_SOURCES, heldOutRows, isHeldOutRow, scoreGeneralization } from "../../src/eval/generalization.ts"

const row = (source: string, lang: string, unsafe: boolean, i: number): Example => ({
  id: `${source}-${i}`, text: `t${i}`, lang, unsafe, categories: unsafe ? ["C9"] : [], source, license: "MIT",
  split: "train", origin: "seed", parent_id: null, iteration: 0
})
const pred = (score: number): Prediction => ({ unsafe: score, flagged: score > 0.5, categories: {} } as unknown as Prediction)

describe("generalization check", () => {
  // olid (en): 2 unsafe scored 0.9 / 0.4, 2 safe scored 0.2 / 0.6 → AUROC 0.75, flags: TP 1, FP 1.
  // hateval2019 (es): perfect ranking, nothing flagged. ud-de: 1 of 4 flagged; ud-train-ko_gsd: none.
  const rows = [
    row("olid", "en", true, 0), row("olid", "en", true, 1), row("olid", "en", false, 2), row("olid", "en", false, 3),
    row("hateval2019", "es", true, 4), row("hateval2019", "es", false, 5),
    ...[6, 7, 8, 9].map((i) => row("ud-de", "de", false, i)),
    row("ud-train-ko_gsd", "ko", false, 10)
  ]
  const scores = [0.9, 0.4, 0.2, 0.6, 0.45, 0.1, 0.7, 0.1, 0.1, 0.1, 0.3]
  const g = scoreGeneralization(rows, scores.map(pred))

  it("scores each held-out labelled cell: AUROC, balanced accuracy at the flag, share flagged", () => {
    expect(g.labelled).toEqual([
      { source: "hateval2019", lang: "es", rows: 2, unsafe: 1, auroc: 1, balancedAccuracy: 0.5, flagged: 0 },
      { source: "olid", lang: "en", rows: 4, unsafe: 2, auroc: 0.75, balancedAccuracy: 0.5, flagged: 0.5 }
    ])
  })

  it("gives the everyday flag rate per language, mean and worst", () => {
    expect(g.everyday.map((c) => [c.lang, c.rows, c.flagRate])).toEqual([["de", 4, 0.25], ["ko", 1, 0]])
    expect(g.summary).toMatchObject({ macroAuroc: 0.875, aurocEnglish: 0.75, aurocOther: 1, balancedAccuracy: 0.5, everydayFlagRate: 0.125, everydayFlagRateWorst: 0.25, worstLanguage: "de" })
    expect(generalizationMarkdown(g)).toContain("| ud-de | de | 4 | 25.0 |")
  })

  it("holds out whole sources, labelled and everyday, and nothing else of a labelled source", () => {
    const whole = [...HELD_OUT_SOURCES.labelled, ...HELD_OUT_SOURCES.everyday]
    expect(whole.every((source) => [0, 1, 2, 3].every((i) => isHeldOutRow(row(source, "en", false, i))))).toBe(true)
    expect([0, 1, 2, 3].some((i) => isHeldOutRow(row("davidson", "en", true, i)))).toBe(false)
    expect(heldOutRows([row("davidson", "en", true, 1), row("olid", "en", true, 2)]).map((r) => r.source)).toEqual(["olid"])
  })

  it("holds out about half of every other UD file, the same half every time", () => {
    const ud = Array.from({ length: 2000 }, (_, i) => row("ud-train-tr_imst", "tr", false, i))
    const held = heldOutRows(ud)
    expect(held.length).toBeGreaterThan(900)
    expect(held.length).toBeLessThan(1100)
    expect(heldOutRows(ud)).toEqual(held)
    // Not a UD file: a gettext catalog is trained on whole.
    expect(heldOutRows(Array.from({ length: 50 }, (_, i) => row("gettext-coreutils", "tr", false, i)))).toEqual([])
  })
})
