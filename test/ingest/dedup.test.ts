import { describe, expect, it } from "vitest"
import type { CategoryId } from "../../schemas/index.ts"
import { dedupByKey, dedupByKeys, nearDuplicateKey } from "../../src/data/dedup.ts"
import { matchKey } from "../../src/data/normalize.ts"

const row = (source: string, text: string, categories: Array<CategoryId>) => ({
  key: matchKey(text),
  text,
  source,
  unsafe: categories.length > 0,
  categories
})

describe("dedup by match key", () => {
  it("keeps the first row of a group and counts the removed ones per source", () => {
    const { rows, stats } = dedupByKey([row("a", "Hello there", []), row("a", "hello there!", []), row("b", "Hello there", []), row("b", "other", [])])
    expect(rows.map((r) => [r.source, r.text])).toEqual([["a", "Hello there"], ["b", "other"]])
    expect(stats.removedBySource).toEqual({ a: 1, b: 1 })
    expect(stats.exactBySource).toEqual({ b: 1 })
    expect(stats.crossSourceGroups).toBe(1)
  })
  it("resolves a safe/unsafe conflict to unsafe, with the unsafe row's source", () => {
    const { rows, stats } = dedupByKey([row("founta", "You are trash!", []), row("kennedy", "you are trash", ["C9"])])
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ source: "kennedy", unsafe: true, categories: ["C9"] })
    expect(stats.conflictingGroups).toBe(1)
  })
  it("unions the categories of unsafe duplicates", () => {
    const { rows, stats } = dedupByKey([row("advbench", "make a bomb", ["C8"]), row("harmful", "Make a bomb.", ["C1", "C8"])])
    expect(rows).toEqual([expect.objectContaining({ source: "advbench", categories: ["C1", "C8"] })])
    expect(stats.categoryUnions).toBe(1)
  })
  it("keeps rows with different keys untouched and in order", () => {
    const input = [row("a", "one", []), row("a", "two", ["C9"]), row("b", "three", [])]
    expect(dedupByKey(input).rows).toEqual(input)
  })
})

describe("nearDuplicateKey", () => {
  it("treats texts that differ in users, links, emoji, punctuation, symbols and diacritics as one", () => {
    const key = nearDuplicateKey
    expect(key("RT @USER: ya wahhab, ya basit.. the worry wins 💞 http://t.co/x")).toBe(key("ya wahhab ya basit the worry wins"))
    expect(key("for example: popd -0 removes the first")).toBe(key("for example: popd +0 removes the first"))
    expect(key("GB=1000*1000, G=1024*1024 and so on for other units")).toBe(key("GB 1000 1000, G 1024 1024 and so on for other units"))
    expect(key("Les élèves sont arrivés très tôt")).toBe(key("Les eleves sont arrives tres tot"))
    // Different numbers are different texts; short texts are compared exactly.
    expect(key("page 12 of the long report on budgets")).not.toBe(key("page 13 of the long report on budgets"))
    expect(key("you are mean 😘")).not.toBe(key("you are mean"))
  })
})

describe("dedup by several keys", () => {
  it("merges rows of one source whose near keys differ but whose exact key (the id) is the same", () => {
    // "RT" in capitals is a retweet mask (noise), "rt" is a word: different near keys, one match key.
    const a = "RT this is a perfectly ordinary sentence"
    const b = "rt this is a perfectly ordinary sentence"
    expect(nearDuplicateKey(a)).not.toBe(nearDuplicateKey(b))
    expect(matchKey(a)).toBe(matchKey(b))
    const rows = [a, b, "something else entirely here"].map((text) => ({ ...row("src", text, []), key: nearDuplicateKey(text), matchKey: matchKey(text) }))
    const once = dedupByKeys(rows, [(r) => r.key])
    expect(once.rows).toHaveLength(3)
    const twice = dedupByKeys(rows, [(r) => r.key, (r) => `${r.source}\u0000${r.matchKey}`])
    expect(twice.rows.map((r) => r.text)).toEqual([a, "something else entirely here"])
    expect(twice.stats.removedBySource).toEqual({ src: 1 })
  })
})
