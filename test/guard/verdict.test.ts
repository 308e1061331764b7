import { describe, expect, it } from "vitest"
import { CATEGORY_IDS } from "../../schemas/taxonomy.ts"
import { predictionAt, turnTexts, turnVerdicts, worstOf } from "../../src/guard/verdict.ts"

const logit = (p: number) => Math.log(p / (1 - p))
/** A [rows × 12] logits buffer with category c of row r at probability probs[r][c] (else 0.01). */
const logitsOf = (rows: ReadonlyArray<Readonly<Record<number, number>>>) => {
  const out = new Float32Array(rows.length * 12).fill(logit(0.01))
  rows.forEach((r, i) => Object.entries(r).forEach(([c, p]) => (out[i * 12 + Number(c)] = logit(p))))
  return out
}

describe("verdict rule", () => {
  it("unsafe is the max category probability; flagged iff it is above 0.5", () => {
    const logits = logitsOf([{ 2: 0.7, 5: 0.3 }, { 11: 0.49 }])
    const a = predictionAt(logits, 0)
    const b = predictionAt(logits, 1)
    expect(a.unsafe).toBeCloseTo(0.7, 5)
    expect(a.flagged).toBe(true)
    expect(a.categories.C3).toBeCloseTo(0.7, 5)
    expect(a.categories.C6).toBeCloseTo(0.3, 5)
    expect(b.unsafe).toBeCloseTo(0.49, 5)
    expect(b.flagged).toBe(false)
    expect(Object.keys(b.categories)).toEqual([...CATEGORY_IDS])
  })

  it("a turn is as unsafe as the worse of its prompt and its prompt + reply", () => {
    const turns = [{ prompt: "p1" }, { prompt: "p2", response: "r2" }]
    expect(turnTexts(turns)).toEqual(["p1", "p2", "p2 r2"])
    const logits = logitsOf([{ 0: 0.2 }, { 0: 0.1, 9: 0.4 }, { 0: 0.8 }])
    const preds = [0, 1, 2].map((i) => predictionAt(logits, i))
    const [first, second] = turnVerdicts(turns, preds)
    expect(first).toEqual(preds[0])
    expect(second).toEqual(worstOf(preds[1], preds[2]))
    expect(second.categories.C1).toBeCloseTo(0.8, 5)
    expect(second.categories.C10).toBeCloseTo(0.4, 5)
    expect(second.flagged).toBe(true)
  })
})
