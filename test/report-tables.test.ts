import { describe, expect, it } from "vitest"
import { Rng } from "../src/runtime/rng.ts"
import {
  categoryCounts, countBy, labelBalance, lengthHistogram, lengthSummary, markdownTable, percent, pivot, quantile,
  samplePerGroup, textLength, truncate
} from "../src/report/tables.ts"

const row = (lang: string, text: string, categories: Array<string> | null = [], source = "s") => ({
  lang, text, source, categories, unsafe: (categories ?? []).length > 0
})

describe("countBy", () => {
  it("counts each key combination, sorted by the keys, count last", () => {
    const rows = [row("fr", "a"), row("en", "b", ["C1"]), row("fr", "c"), row("en", "d")]
    const out = countBy(rows, { lang: (r) => r.lang, label: (r) => (r.unsafe ? "unsafe" : "safe") })
    expect(out).toEqual([
      { lang: "en", label: "safe", n: 1 },
      { lang: "en", label: "unsafe", n: 1 },
      { lang: "fr", label: "safe", n: 2 }
    ])
    expect(Object.keys(out[0])).toEqual(["lang", "label", "n"])
  })

  it("keeps keys apart whatever characters they contain", () => {
    const out = countBy([{ a: "x\u0000y", b: "" }, { a: "x", b: "y" }], { a: (r) => r.a, b: (r) => r.b })
    expect(out.map((r) => r.n)).toEqual([1, 1])
  })

  it("refuses a key named like the count column", () => {
    expect(() => countBy([1], { n: String })).toThrow(/"n" is the count column/)
  })
})

describe("categoryCounts", () => {
  it("counts a multi-label row in each of its categories and keeps zero cells", () => {
    const rows = [row("en", "a", ["C1", "C9"]), row("en", "b", ["C9"]), row("fr", "c", []), row("de", "d", null)]
    const out = categoryCounts(rows, (r) => r.lang, ["C1", "C9", "C12"], { groups: ["en", "fr", "es"] })
    expect(out).toEqual([
      { group: "en", category: "C1", n: 1 }, { group: "en", category: "C9", n: 2 }, { group: "en", category: "C12", n: 0 },
      { group: "fr", category: "C1", n: 0 }, { group: "fr", category: "C9", n: 0 }, { group: "fr", category: "C12", n: 0 },
      { group: "es", category: "C1", n: 0 }, { group: "es", category: "C9", n: 0 }, { group: "es", category: "C12", n: 0 },
      // a group not in `groups` still shows, after them
      { group: "de", category: "C1", n: 0 }, { group: "de", category: "C9", n: 0 }, { group: "de", category: "C12", n: 0 }
    ])
  })
})

describe("pivot", () => {
  it("turns long rows into one row per key with one column per value, filling gaps", () => {
    const long = [
      { lang: "en", cat: "C1", n: 3 }, { lang: "en", cat: "C2", n: 1 }, { lang: "fr", cat: "C2", n: 5 }
    ]
    expect(pivot(long, { row: "lang", col: "cat", value: "n" })).toEqual([
      { lang: "en", C1: 3, C2: 1 },
      { lang: "fr", C1: 0, C2: 5 }
    ])
    expect(pivot(long, { row: "lang", col: "cat", value: "n" }, null)[1].C1).toBeNull()
  })

  it("refuses a column value equal to the row field", () => {
    expect(() => pivot([{ k: "a", c: "k", v: 1 }], { row: "k", col: "c", value: "v" })).toThrow(/clashes/)
  })
})

describe("labelBalance", () => {
  it("counts safe and unsafe per group with the unsafe share", () => {
    const rows = [row("en", "a", ["C1"]), row("en", "b"), row("en", "c"), row("fr", "d", ["C9"])]
    expect(labelBalance(rows, (r) => r.lang)).toEqual([
      { group: "en", n: 3, safe: 2, unsafe: 1, unsafe_share: 1 / 3 },
      { group: "fr", n: 1, safe: 0, unsafe: 1, unsafe_share: 1 }
    ])
  })
})

describe("quantile and lengths", () => {
  it("uses nearest rank: always an observed value", () => {
    const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    expect(quantile(xs, 0)).toBe(1)
    expect(quantile(xs, 0.25)).toBe(3)
    expect(quantile(xs, 0.5)).toBe(5)
    expect(quantile(xs, 0.95)).toBe(10)
    expect(quantile(xs, 1)).toBe(10)
    expect(() => quantile([], 0.5)).toThrow(/empty/)
    expect(() => quantile(xs, 1.5)).toThrow(/\[0, 1\]/)
  })

  it("measures length in code points", () => {
    expect(textLength("héllo")).toBe(5)
    expect(textLength("👍🏽!")).toBe(3) // emoji + skin-tone modifier + "!" (UTF-16 length is 5)
    expect(textLength("مرحبا")).toBe(5)
  })

  it("summarizes lengths per group", () => {
    const rows = ["a", "bb", "ccc", "dddd"].map((t) => row("en", t)).concat([row("fr", "xyz")])
    expect(lengthSummary(rows, (r) => r.lang)).toEqual([
      { group: "en", n: 4, min: 1, p05: 1, p25: 1, median: 2, p75: 3, p95: 4, max: 4 },
      { group: "fr", n: 1, min: 3, p05: 3, p25: 3, median: 3, p75: 3, p95: 3, max: 3 }
    ])
  })

  it("bins lengths by powers of two, every group over the same bins", () => {
    const rows = [row("en", "a"), row("en", "x".repeat(9)), row("fr", "abc"), row("fr", "abcd")]
    const bins = lengthHistogram(rows, (r) => r.lang)
    expect(bins.filter((b) => b.group === "en").map((b) => [b.lo, b.hi, b.n])).toEqual([[1, 2, 1], [2, 4, 0], [4, 8, 0], [8, 16, 1]])
    expect(bins.filter((b) => b.group === "fr").map((b) => [b.lo, b.n])).toEqual([[1, 0], [2, 1], [4, 1], [8, 0]])
    for (const g of ["en", "fr"]) {
      expect(bins.filter((b) => b.group === g).reduce((s, b) => s + b.share, 0)).toBeCloseTo(1, 12)
    }
  })
})

describe("samplePerGroup", () => {
  const rows = Array.from({ length: 50 }, (_, i) => row(i % 2 ? "en" : "fr", `t${i}`))

  it("draws at most k rows per group, groups sorted, same seed same rows", () => {
    const a = samplePerGroup(rows, (r) => r.lang, 3, new Rng(1))
    expect(a.map((r) => r.lang)).toEqual(["en", "en", "en", "fr", "fr", "fr"])
    expect(new Set(a.map((r) => r.text)).size).toBe(6)
    expect(samplePerGroup(rows, (r) => r.lang, 3, new Rng(1))).toEqual(a)
    expect(samplePerGroup(rows, (r) => r.lang, 3, new Rng(2))).not.toEqual(a)
    expect(samplePerGroup(rows.slice(0, 3), (r) => r.lang, 5, new Rng(1))).toHaveLength(3)
  })

  it("does not change a group's sample when another group is added", () => {
    const en = (out: Array<{ lang: string; text: string }>) => out.filter((r) => r.lang === "en")
    const before = samplePerGroup(rows, (r) => r.lang, 3, new Rng(1))
    const after = samplePerGroup([...rows, row("de", "new")], (r) => r.lang, 3, new Rng(1))
    expect(en(after)).toEqual(en(before))
  })

  it("rejects a bad k", () => {
    expect(() => samplePerGroup(rows, (r) => r.lang, -1, new Rng(1))).toThrow(/non-negative integer/)
  })
})

describe("formatting", () => {
  it("truncates by code points with an ellipsis", () => {
    expect(truncate("abcdef", 4)).toBe("abc…")
    expect(truncate("abc", 4)).toBe("abc")
    expect(truncate("👍👍👍", 2)).toBe("👍…")
  })

  it("formats percentages", () => {
    expect(percent(0.4567)).toBe("45.7 %")
    expect(percent(1, 0)).toBe("100 %")
  })

  it("writes a Markdown table: one line per row, escaped cells, numbers right-aligned", () => {
    const md = markdownTable([
      { name: "a|b", n: 3, share: 0.5, text: "line one\nline two <b>", cats: ["C1", "C9"] },
      { name: "c_d", n: 10, share: 0.25, text: "x".repeat(30), cats: [] }
    ], { maxChars: 12 })
    expect(md.split("\n")).toEqual([
      "| name | n | share | text | cats |",
      "| --- | ---: | ---: | --- | --- |",
      "| a\\|b | 3 | 0.500 | line one li… | C1, C9 |",
      "| c\\_d | 10 | 0.250 | xxxxxxxxxxx… | |"
    ])
    expect(markdownTable([{ t: "<script>" }])).toContain("&lt;script>")
    expect(markdownTable([])).toBe("_(no rows)_")
    expect(markdownTable([{ a: 1, b: 2 }], { columns: ["b"] })).toBe("| b |\n| ---: |\n| 2 |")
  })
})
