import { describe, expect, it } from "vitest"
import { crosslingualTable } from "../../src/game/report.ts"

const score = (auprc: number, equalPriorF1: number, flagRate: number) => ({ n: 10, unsafe: 2, f1: 0.5, equalPriorF1, flagRate, auprc })

describe("the run report's cross-lingual table", () => {
  it("has one row per iteration with AUPRC, equal-prior F1 and flag rate per language", () => {
    const md = crosslingualTable([
      { en: score(0.9, 0.8, 0.1), es: score(0.3, 0.7, 0.2), fr: score(0.4, 0.6, 0.3) },
      { en: score(0.91, 0.81, 0.11), es: score(0.6, 0.85, 0.25), fr: score(0.55, 0.8, 0.35) }
    ])
    const lines = md.split("\n")
    expect(lines[0]).toBe("| guard | AUPRC en | AUPRC es | AUPRC fr | equal-prior F1 en | equal-prior F1 es | equal-prior F1 fr | flagged en | flagged es | flagged fr |")
    expect(lines[2]).toBe("| iteration 0 (seed only) | 90.0 | 30.0 | 40.0 | 80.0 | 70.0 | 60.0 | 10.0 | 20.0 | 30.0 |")
    expect(lines[3]).toBe("| iteration 1 | 91.0 | 60.0 | 55.0 | 81.0 | 85.0 | 80.0 | 11.0 | 25.0 | 35.0 |")
  })

  it("says when the check was skipped, and shows – for a missing iteration", () => {
    expect(crosslingualTable([null, null])).toMatch(/Skipped: Apertium is not installed/)
    expect(crosslingualTable([null, { en: score(0.5, 0.5, 0.5), es: score(0.5, 0.5, 0.5), fr: score(0.5, 0.5, 0.5) }]).split("\n")[2]).toBe(
      "| iteration 0 (seed only) | – | – | – | – | – | – | – | – | – |"
    )
  })
})
