import { describe, expect, it } from "vitest"
import type { GeneralizationResult } from "../../src/eval/generalization.ts"
import { table2, table2Markdown, type Table2Input } from "../../src/eval/table2.ts"

const check = (macroAuroc: number, balancedAccuracy: number, rows = 100): GeneralizationResult => ({
  labelled: [{ source: "olid", lang: "en", rows, unsafe: 30, auroc: macroAuroc, balancedAccuracy, flagged: 0.3 }],
  everyday: [{ lang: "vi", sources: ["ud-train-vi_vtb"], rows: 50, flagRate: 0.1 }],
  summary: {
    macroAuroc,
    aurocEnglish: macroAuroc,
    aurocOther: Number.NaN,
    balancedAccuracy,
    everydayFlagRate: 0.05,
    everydayFlagRateWorst: 0.1,
    worstLanguage: "vi"
  }
})

const RULE = { sourcePattern: "^ud-", maxFlagRate: 0.05, minRows: 100 }
const SYN = [
  { path: "runs/r/iter-1/synthetic.parquet", sha256: "s1" },
  { path: "runs/r/iter-2/synthetic.parquet", sha256: "s2" }
]
const inputs = (): Array<Table2Input> => [
  { family: "cnn", data: "seed+synthetic", guard: "runs/cnn-syn", trainingSeed: 7, seedSha256: "seed", synthetic: SYN, everyday: RULE, check: check(0.671, 0.6) },
  { family: "main", data: "seed", guard: "runs/r/iter-0/guard", trainingSeed: 9, seedSha256: "seed", synthetic: [], everyday: { ...RULE }, check: check(0.684, 0.634) },
  { family: "cnn", data: "seed", guard: "runs/cnn-seed", trainingSeed: 7, seedSha256: "seed", synthetic: [], everyday: RULE, check: check(0.672, 0.615) },
  { family: "main", data: "seed+synthetic", guard: "runs/r/iter-2/guard", trainingSeed: 9, seedSha256: "seed", synthetic: SYN, everyday: RULE, check: check(0.687, 0.635) }
]

describe("Table 2", () => {
  it("orders the four rows and gives each family's change from the synthetic data", () => {
    const t = table2(inputs())
    expect(t.rows.map((r) => `${r.family}/${r.data}`)).toEqual(["main/seed", "main/seed+synthetic", "cnn/seed", "cnn/seed+synthetic"])
    expect(t.heldOut).toEqual({ labelledCells: 1, labelledRows: 100, everydayLanguages: 1, everydayRows: 50 })
    const md = table2Markdown(t)
    expect(md).toContain("| main (n-gram bag + MLP) | seed only | runs/r/iter-0/guard | 68.4 | 68.4 / – | 63.4 | 5.0 / 10.0 (vi) |")
    expect(md).toContain(
      "| CNN (Gemma 3 subwords) | seed + synthetic (runs/r/iter-1/synthetic.parquet, runs/r/iter-2/synthetic.parquet) | runs/cnn-syn | 67.1 |"
    )
    expect(md).toContain("| main (n-gram bag + MLP) | +0.3 | +0.3 / – | +0.1 | +0.0 / +0.0 |")
    expect(md).toContain("| CNN (Gemma 3 subwords) | -0.1 | -0.1 / – | -1.5 |")
  })

  it("refuses rows that are not comparable", () => {
    const swap = (i: number, over: Partial<Table2Input>) => inputs().map((x, k) => (k === i ? { ...x, ...over } : x))
    expect(() => table2(inputs().slice(1))).toThrow(/one cnn guard trained on seed\+synthetic, got 0/)
    expect(() => table2(swap(2, { everyday: { ...RULE, minRows: 50 } }))).toThrow(/runs\/cnn-seed\) was calibrated under another everyday rule/)
    expect(() => table2(swap(0, { synthetic: SYN.slice(0, 1) }))).toThrow(/different synthetic tables/)
    expect(() => table2(swap(0, { seedSha256: "other" }))).toThrow(/another seed table/)
    expect(() => table2(swap(2, { synthetic: SYN }))).toThrow(/cnn\/seed .* trained on synthetic tables/)
    expect(() => table2(swap(3, { check: check(0.687, 0.635, 99) }))).toThrow(/other held-out rows/)
  })
})
