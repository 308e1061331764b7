import { describe, expect, it } from "vitest"
import type { Table1Result } from "../../src/eval/table1.ts"
import { compareRunsMarkdown, meanSd } from "../../src/game/compare.ts"

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
