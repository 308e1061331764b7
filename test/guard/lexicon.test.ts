import { describe, expect, it } from "vitest"
import { Effect, Layer } from "effect"
import * as path from "node:path"
import { DEFAULT_FEATURES, Featurizer } from "../../src/guard/features.ts"
import { decodeModel, encodeModel } from "../../src/guard/format.ts"
import { guardFromWeights, loadGuard } from "../../src/guard/guard.ts"
import { formatLexicon, lookup, parseLexicon } from "../../src/guard/lexicon.ts"
import { glossOf, invertDictionary } from "../../src/guard/lexicon-build.ts"
import { readLexiconFile, saveGuard } from "../../src/guard/storage.ts"
import { trainGuard } from "../../src/guard/train.ts"
import { BackendLive } from "../../src/runtime/backend.ts"
import { ProgressSilent } from "../../src/runtime/progress.ts"
import { syntheticRows, tinyConfig } from "./fixtures.ts"
import { tempDir } from "../support/temp-dir.ts"

const dir = tempDir("lexicon")

describe("lexicon text", () => {
  it("round-trips, sorted, with comments skipped", () => {
    const lex = parseLexicon("# a comment\nwaffen\tweapons arms\nbomba\tbomb\n")
    expect([...lex]).toEqual([["waffen", ["weapons", "arms"]], ["bomba", ["bomb"]]])
    expect(formatLexicon(lex, ["hdr"])).toBe("# hdr\nbomba\tbomb\nwaffen\tweapons arms\n")
  })

  it("names the bad line", () => {
    expect(() => parseLexicon("bomba\tbomb\nno tab here\n")).toThrow(/line 2: expected `word<TAB>glosses`/)
    expect(() => parseLexicon("bomba\tbomb\nbomba\tpump\n")).toThrow(/line 2: duplicate word "bomba"/)
    expect(() => parseLexicon("two words\tx\n")).toThrow(/line 1: the word must be a single token/)
    expect(() => parseLexicon("x\ta b c d\n")).toThrow(/line 1: expected 1–3 glosses/)
    expect(() => parseLexicon("x\tok no-pe\n")).toThrow(/line 1: gloss "no-pe"/)
  })

  it("finds inflected forms through a common ending, not for short words", () => {
    const lex = parseLexicon("waffe\tweapon\nbomba\tbomb\nar\tx\n")
    expect(lookup(lex, "waffen")).toEqual(["weapon"])
    expect(lookup(lex, "bombas")).toEqual(["bomb"])
    expect(lookup(lex, "ars")).toBeUndefined()
    expect(lookup(lex, "messer")).toBeUndefined()
  })

  it("reads the committed lexicon, which covers harmful-request words in es/fr/de", async () => {
    const lex = await Effect.runPromise(readLexiconFile())
    expect(lex.size).toBeGreaterThan(20_000)
    for (const [w, g] of [["bomba", "bomb"], ["töten", "kill"], ["contraseña", "password"]] as const) {
      expect(lookup(lex, w)).toContain(g)
    }
  })

  it("a missing lexicon file is a clear error", async () => {
    const err = await Effect.runPromise(Effect.flip(readLexiconFile(path.join(dir, "nope.tsv"))))
    expect(err.reason).toMatch(/cannot read the lexicon .*nope\.tsv.*build-lexicon/)
  })
})

describe("features with a lexicon", () => {
  const cfg = { ...DEFAULT_FEATURES, buckets: 1 << 16, lexicon: true, pieces: false }
  const lex = parseLexicon("bomba\tbomb\ncómo\thow\n")
  const ids = (f: Featurizer, t: string) => new Set(f.featurize(t))
  const subset = (a: Set<number>, b: Set<number>) => [...a].every((x) => b.has(x))

  it("a glossed word carries its English gloss's features, bigrams included", () => {
    const f = new Featurizer(cfg, lex)
    const plain = new Featurizer({ ...cfg, lexicon: false })
    expect(subset(ids(plain, "bomb"), ids(f, "bomba"))).toBe(true)
    expect(subset(ids(plain, "how bomb"), ids(f, "cómo bomba"))).toBe(true)
    expect(subset(ids(plain, "bomb"), ids(plain, "bomba"))).toBe(false)
    // Words outside the lexicon are featurized exactly as without one.
    expect(f.featurize("the cat sat")).toEqual(plain.featurize("the cat sat"))
  })

  it("in replace mode a glossed word is read as its gloss alone; other words keep their own features", () => {
    const f = new Featurizer({ ...cfg, lexiconMode: "replace" }, lex)
    const plain = new Featurizer({ ...cfg, lexicon: false })
    expect(f.featurize("cómo bomba")).toEqual(plain.featurize("how bomb"))
    expect(subset(ids(plain, "gato"), ids(f, "gato bomba"))).toBe(true)
    expect(subset(ids(plain, "bomba"), ids(f, "gato bomba"))).toBe(false)
    expect(f.featurize("the cat sat")).toEqual(plain.featurize("the cat sat"))
  })

  it("refuses a lexicon config without a lexicon", () => {
    expect(() => new Featurizer(cfg)).toThrow(/config.lexicon is set but no lexicon/)
  })
})

describe("building the lexicon", () => {
  const english = new Map([["kill", 50], ["weapon", 30], ["arms", 20], ["the", 900], ["die", 40], ["rare", 1]])

  it("inverts a dictionary, most frequent English first, skipping common-English keys", () => {
    const inv = invertDictionary(
      new Map([
        ["kill", [{ text: "töten" }, { text: "umbringen" }]],
        ["weapon", [{ text: "Waffe" }]],
        ["arms", [{ text: "Waffe" }, { text: "Arme" }]],
        ["the", [{ text: "die" }]],
        ["rare", [{ text: "selten" }]]
      ]),
      english
    )
    expect(inv.get("töten")).toEqual(["kill"])
    expect(inv.get("waffe")).toEqual(["weapon", "arms"])
    expect(inv.has("die")).toBe(false) // "die" is a common English word
    expect(inv.has("selten")).toBe(false) // gloss unseen in English
  })

  it("keeps a word-by-word translation only when it is one known English word", () => {
    expect(glossOf("matar", { text: "kill", untranslated: 0 }, english)).toBe("kill")
    expect(glossOf("matar", { text: "kill", untranslated: 1 }, english)).toBeNull()
    expect(glossOf("matar", { text: "to kill", untranslated: 0 }, english)).toBeNull()
    expect(glossOf("kill", { text: "kill", untranslated: 0 }, english)).toBeNull()
    expect(glossOf("matar", null, english)).toBeNull()
  })
})

describe("a guard trained with a lexicon", () => {
  const env = Layer.merge(BackendLive({ log: () => {} }), ProgressSilent)
  // The training rows are English; the lexicon maps a Spanish word onto an English trigger.
  const lex = parseLexicon("asesinar\tmurder\n")
  const train = (lexicon: boolean) =>
    Effect.runPromise(
      trainGuard(syntheticRows(600, 1), syntheticRows(150, 2), tinyConfig({ features: { ...tinyConfig().features, lexicon } }), 11, lexicon ? lex : null)
        .pipe(Effect.provide(env))
    )

  it("transfers an English trigger to its foreign gloss, and ships the lexicon in model.json", async () => {
    const [withLex, without] = [await train(true), await train(false)]
    const score = (g: typeof withLex) =>
      Effect.runPromise(Effect.scoped(Effect.flatMap(guardFromWeights(g), (guard) => guard.classify(["the cat asesinar the dog"]))).pipe(Effect.provide(env)))
    const [a] = await score(withLex)
    const [b] = await score(without)
    expect(a.unsafe).toBeGreaterThan(0.5)
    expect(a.unsafe).toBeGreaterThan(b.unsafe + 0.2)

    const { json, bin } = encodeModel(withLex.weights, withLex.features, withLex.lexicon)
    expect([...decodeModel(json, bin).lexicon!]).toEqual([...lex])
    expect(() => decodeModel(json.replace(/"lexicon": ".*",\n/, ""), bin)).toThrow(/features.lexicon is set but the file has no lexicon/)

    const modelDir = path.join(dir, "model")
    await Effect.runPromise(saveGuard(withLex, modelDir))
    const [loaded] = await Effect.runPromise(Effect.scoped(Effect.flatMap(loadGuard(modelDir), (g) => g.classify(["the cat asesinar the dog"]))).pipe(Effect.provide(env)))
    expect(loaded).toEqual(a)
  })
})
