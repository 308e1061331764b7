import { describe, expect, it } from "vitest"
import { Effect } from "effect"
import { alternationError, expandAll, expandOne, variantCount } from "../../src/generator/resources/alternation.ts"
import { loadTemplates, TEMPLATE_LANGS } from "../../src/generator/resources/templates.ts"
import { Rng } from "../../src/runtime/rng.ts"

describe("alternation groups", () => {
  const text = "How do I {kill|end} {a frozen process|the test server}{ tonight|}?"

  it("stand for the product of their groups, tidy when an alternative is empty", () => {
    expect(variantCount(text)).toBe(8)
    const all = expandAll(text)
    expect(all).toHaveLength(8)
    expect(new Set(all).size).toBe(8)
    expect(all).toContain("How do I kill a frozen process?")
    expect(all).toContain("How do I end the test server tonight?")
    expect(expandAll("{A| }  b {c|}.")).toEqual(["A b c.", "A b.", "b c.", "b."])
    expect(expandAll("no groups here")).toEqual(["no groups here"])
  })

  it("draw every variant from the seeded stream, reproducibly", () => {
    const rng = new Rng(7)
    const drawn = Array.from({ length: 400 }, () => expandOne(text, rng))
    expect(new Set(drawn)).toEqual(new Set(expandAll(text)))
    const again = new Rng(7)
    expect(Array.from({ length: 400 }, () => expandOne(text, again))).toEqual(drawn)
  })

  it("reject bad syntax, naming what is wrong", () => {
    expect(alternationError(text)).toBeNull()
    expect(alternationError("a {b|c")).toMatch(/unbalanced or nested/)
    expect(alternationError("a {b|{c|d}}")).toMatch(/unbalanced or nested/)
    expect(alternationError("a {b} c")).toMatch(/group \{b\} needs at least two alternatives/)
  })
})

describe("look-alike templates with groups", () => {
  it.each(TEMPLATE_LANGS)("%s: ≥ 80 templates standing for ≥ 2,000 distinct questions, each ≤ 200 characters", async (lang) => {
    const t = await Effect.runPromise(loadTemplates(lang))
    expect(t.lookalike.length).toBeGreaterThanOrEqual(80)
    const questions = new Set(t.lookalike.flatMap((l) => expandAll(l.text)))
    expect(questions.size).toBeGreaterThanOrEqual(2000)
    for (const q of questions) {
      expect([...q].length, q).toBeLessThanOrEqual(200)
      expect(q, q).not.toMatch(/[{}|]|\s{2}/)
    }
  })
})
