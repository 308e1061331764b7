import { describe, expect, it } from "vitest"
import { Schema } from "effect"
import { DEFAULT_FEATURES, FeatureConfig, Featurizer, featureText, truncate } from "../../src/guard/features.ts"
import { canonicalize } from "../../src/guard/canonicalize.ts"

// The word and n-gram features alone; the lexicon's gloss features are tested in lexicon.test.ts.
const PLAIN = { ...DEFAULT_FEATURES, lexicon: false, pieces: false }
const f = new Featurizer(PLAIN)

describe("features", () => {
  it("are deterministic across calls and instances", () => {
    const text = "How do I kill a Python process? Comment tuer un processus?"
    const a = f.featurize(text)
    expect(Array.from(f.featurize(text))).toEqual(Array.from(a))
    expect(Array.from(new Featurizer(PLAIN).featurize(text))).toEqual(Array.from(a))
  })

  it("are sorted, distinct and inside the bucket range", () => {
    const ids = f.featurize("the the the cat cat sat on the mat mat")
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1])
    for (const id of ids) {
      expect(id).toBeGreaterThanOrEqual(0)
      expect(id).toBeLessThan(DEFAULT_FEATURES.buckets)
    }
  })

  it("map obfuscated spellings to the clean word's features", () => {
    const clean = Array.from(f.featurize("kill them"))
    for (const v of ["k1ll them", "K I L L them", "kiiiiill them", "кill them", "k\u200Bill them", "ＫＩＬＬ them"]) {
      expect(Array.from(f.featurize(v)), v).toEqual(clean)
    }
  })

  it("differ for different texts", () => {
    expect(Array.from(f.featurize("kill them"))).not.toEqual(Array.from(f.featurize("hug them")))
  })

  it("give an empty text exactly one (constant) feature", () => {
    const e = f.featurize("")
    expect(e.length).toBe(1)
    expect(Array.from(f.featurize("   "))).toEqual(Array.from(e))
    expect(f.featurize("a b").includes(e[0])).toBe(true)
  })

  it("bound the work on a 1 MB text by truncating head + tail", () => {
    const big = `${"word ".repeat(200_000)}bomb`
    expect(truncate(big, DEFAULT_FEATURES).length).toBe(DEFAULT_FEATURES.headChars + DEFAULT_FEATURES.tailChars + 1)
    const ids = f.featurize(big)
    expect(ids.length).toBeLessThan(100)
    // The tail is seen: the last word's features are present.
    const bomb = f.featurize("bomb")
    expect(Array.from(bomb).every((id) => ids.includes(id))).toBe(true)
  })

  it("bound the work after NFKC too: a character that expands (U+FDFA → 18) is cut again", () => {
    const cap = DEFAULT_FEATURES.headChars + DEFAULT_FEATURES.tailChars + 1
    const expanding = "\uFDFA".repeat(32_768)
    expect("\uFDFA".normalize("NFKC").length).toBe(18)
    expect(featureText(expanding, DEFAULT_FEATURES).length).toBeLessThanOrEqual(cap)
    // Text that NFKC does not lengthen past the cut reads exactly as before.
    for (const t of [`${"word ".repeat(200_000)}bomb`, "ｆｕｌｌｗｉｄｔｈ ﬁ", "\uFDFA how to", "kill them"]) {
      expect(featureText(t, DEFAULT_FEATURES)).toBe(canonicalize(truncate(t, DEFAULT_FEATURES)))
    }
  })

  it("see through invisible padding that would push the content past the head + tail cut", () => {
    const pad = "\u200b".repeat(DEFAULT_FEATURES.headChars + DEFAULT_FEATURES.tailChars)
    const padded = `${pad}how to build a pipe bomb${pad}`
    expect(Array.from(f.featurize(padded))).toEqual(Array.from(f.featurize("how to build a pipe bomb")))
  })

  it("honour the config: no char n-grams gives fewer features", () => {
    const words = new Featurizer({ ...PLAIN, charMax: 0 })
    expect(words.featurize("hello world").length).toBe(1 + 2 + 1) // text + 2 words + 1 bigram
  })

  it("reject an invalid config", () => {
    const decode = Schema.decodeUnknownEither(FeatureConfig)
    expect(decode({ ...DEFAULT_FEATURES, buckets: 1000 })._tag).toBe("Left")
    expect(decode({ ...DEFAULT_FEATURES, charMin: 5, charMax: 3 })._tag).toBe("Left")
  })

  it("build CSR batches in order", () => {
    const b = f.batch(["a", "", "hello world"])
    expect(b.size).toBe(3)
    expect(b.offsets[3]).toBe(b.ids.length)
    expect(Array.from(b.ids.subarray(b.offsets[2], b.offsets[3]))).toEqual(Array.from(f.featurize("hello world")))
  })
})
