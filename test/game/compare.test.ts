import { describe, expect, it } from "vitest"
import type { Table1Result } from "../../src/eval/table1.ts"
import type { GeneralizationResult } from "../../src/eval/generalization.ts"
import type { CrosslingualScore } from "../../src/eval/crosslingual.ts"
import { compareChecksMarkdown, compareCrosslingualMarkdown, compareRunsMarkdown, meanSd } from "../../src/game/compare.ts"

/** Only what compare.ts reads: the per-language averages of our guard. */
const table = (en: number, fr: number, de: number, es: number) =>
  ({
    ours: {
      cells: [],
      averages: Object.entries({ en, fr, de, es }).map(([lang, f]) => ({ lang, avgF1: f / 100, benchmarks: 6, complete: true }))
    }
  }) as unknown as Table1Result

describe("compare runs", () => {
  it("mean and sample standard deviation", () => {
    expect(meanSd([2, 4, 6])).toEqual({ mean: 4, sd: 2 })
    expect(meanSd([5])).toEqual({ mean: 5, sd: 0 })
  })

  it("tabulates every iteration and the Fr/De/Es change from iteration 0 to the last", () => {
    const md = compareRunsMarkdown([
      { run: "a", iterations: [table(60, 50, 60, 40), table(61, 53, 63, 43)] },
      { run: "b", iterations: [table(62, 48, 62, 38), table(60, 47, 61, 37), table(60, 48, 62, 38)] }
    ])
    expect(md).toContain("| a | 1 | 61.0 | 53.0 | 63.0 | 43.0 | 53.0 |")
    expect(md).toContain("| b | 2 | 60.0 | 48.0 | 62.0 | 38.0 | 49.3 |")
    // a: 50 → 53 (+3.0); b: 49.3 → 49.3 (+0.0); mean +1.5, sd 2.1
    expect(md).toContain("+3.0 (a, 1 iteration), +0.0 (b, 2 iterations); mean +1.5 ± 2.1.")
    expect(md).toContain("| iteration 0 (seed only) | 61.0 ± 1.4 | 49.0 ± 1.4 | 61.0 ± 1.4 | 39.0 ± 1.4 |")
  })

  it("refuses a run without an evaluated iteration", () => {
    expect(() => compareRunsMarkdown([{ run: "empty", iterations: [] }])).toThrow(/iteration 0/)
  })
})

/** Only what the check comparison reads: the summary. */
const check = (macroAuroc: number, balancedAccuracy: number, everydayFlagRateWorst: number, olid = macroAuroc) =>
  ({
    labelled: [{ source: "olid", lang: "en", auroc: olid }],
    summary: { macroAuroc, aurocEnglish: macroAuroc, aurocOther: macroAuroc, balancedAccuracy, everydayFlagRate: everydayFlagRateWorst / 2, everydayFlagRateWorst, worstLanguage: "tr" }
  }) as unknown as GeneralizationResult

describe("compare the generalization check over runs", () => {
  it("gives iteration 0 and the last per run, mean ± sd, and in how many runs the last is better", () => {
    const md = compareChecksMarkdown([
      { run: "a", iterations: [check(0.68, 0.62, 0.1), check(0.7, 0.63, 0.08)] },
      { run: "b", iterations: [check(0.69, 0.63, 0.1), null, check(0.68, 0.64, 0.12)] }
    ])
    expect(md).toContain("| a | 1 | 70.0 | 70.0 | 70.0 | 63.0 | 4.0 | 8.0 |")
    expect(md).toContain("| b | 2 | 68.0 |")
    expect(md).toContain("| last iteration | 69.0 ± 1.4 |")
    // macro AUROC better in a only; balanced accuracy in both; worst everyday rate lower in a only.
    expect(md).toContain("| runs where the last beats iteration 0 | 1 of 2 | 1 of 2 | 1 of 2 | 2 of 2 | 1 of 2 | 1 of 2 |")
  })

  it("gives the AUROC change of every held-out source per run and its mean", () => {
    const md = compareChecksMarkdown([
      { run: "a", iterations: [check(0.68, 0.62, 0.1, 0.7), check(0.7, 0.63, 0.08, 0.72)] },
      { run: "b", iterations: [check(0.69, 0.63, 0.1, 0.7), check(0.68, 0.64, 0.12, 0.69)] }
    ])
    expect(md).toContain("| held-out source | a | b | mean |")
    // a: 70 → 72 (+2.0); b: 70 → 69 (−1.0); mean +0.5
    expect(md).toContain("| olid (en) | +2.0 | −1.0 | +0.5 |")
  })

  it("refuses a run whose first or last iteration has no check", () => {
    expect(() => compareChecksMarkdown([{ run: "x", iterations: [check(0.7, 0.6, 0.1), null] }])).toThrow(/run x/)
  })
})

/** Only what the cross-lingual comparison reads: AUPRC per language. */
const crosslingual = (en: number, es: number, fr: number | null) =>
  Object.fromEntries(
    Object.entries({ en, es, fr }).map(([lang, auprc]) => [lang, { auprc } as unknown as CrosslingualScore])
  )

describe("compare the cross-lingual check over runs", () => {
  it("gives AUPRC per language, English first, at iteration 0 and the last, with mean ± sd and wins", () => {
    const md = compareCrosslingualMarkdown([
      { run: "a", iterations: [crosslingual(0.86, 0.25, 0.23), crosslingual(0.89, 0.66, 0.65)] },
      { run: "b", iterations: [crosslingual(0.88, 0.3, 0.2), null, crosslingual(0.87, 0.5, null)] }
    ])
    expect(md).toContain("| run | iteration | AUPRC en | AUPRC es | AUPRC fr |")
    expect(md).toContain("| a | 1 | 89.0 | 66.0 | 65.0 |")
    expect(md).toContain("| b | 2 | 87.0 | 50.0 | – |")
    // es: 25 → 66 and 30 → 50, mean 58.0 ± 11.3; en better in a only.
    expect(md).toContain("| last iteration | 88.0 ± 1.4 | 58.0 ± 11.3 |")
    expect(md).toContain("| runs where the last beats iteration 0 | 1 of 2 | 2 of 2 | 1 of 2 |")
  })

  it("refuses a run whose first or last iteration has no cross-lingual check", () => {
    expect(() => compareCrosslingualMarkdown([{ run: "y", iterations: [null, crosslingual(0.9, 0.5, 0.5)] }])).toThrow(/run y: the cross-lingual check/)
  })
})
