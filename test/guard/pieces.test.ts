import { describe, expect, it } from "vitest"
import { Effect, Layer } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { DEFAULT_FEATURES, Featurizer } from "../../src/guard/features.ts"
import { decodeModel, encodeModel } from "../../src/guard/format.ts"
import { guardFromWeights, loadGuard } from "../../src/guard/guard.ts"
import { formatPieces, parsePieces, segment } from "../../src/guard/pieces.ts"
import { piecesFromTokenizerJson, readPiecesFile } from "../../src/guard/pieces-build.ts"
import { saveGuard } from "../../src/guard/storage.ts"
import { trainGuard } from "../../src/guard/train.ts"
import { BackendLive } from "../../src/runtime/backend.ts"
import { ProgressSilent } from "../../src/runtime/progress.ts"
import { syntheticRows, tinyConfig } from "./fixtures.ts"
import { tempDir } from "../support/temp-dir.ts"

const dir = tempDir("pieces")
const split = (text: string, word: string) => {
  const out: Array<string> = []
  segment(parsePieces(text), word, out)
  return out
}

describe("pieces text", () => {
  it("round-trips sorted, comments skipped", () => {
    const p = parsePieces("# hdr\n▁dampf\nschiff\n")
    expect([...p.set].sort()).toEqual(["schiff", "▁dampf"])
    expect(p.maxLength).toBe(6)
    expect(formatPieces(p, ["x"])).toBe("# x\nschiff\n▁dampf\n")
  })

  it("names the bad line", () => {
    expect(() => parsePieces("ok\ntwo words\n")).toThrow(/pieces line 2: not a piece/)
    expect(() => parsePieces("ok\nab▁c\n")).toThrow(/pieces line 2/)
  })
})

describe("segment", () => {
  const vocab = "▁do\nnau\n▁donau\ndampf\nschiff\nsch\niff\n▁我们\n中国人\n"

  it("splits into the fewest pieces, not greedily", () => {
    // Greedy longest match would take ▁donau|d|a|m|p|f…; fewest pieces finds the compound parts.
    expect(split(vocab, "donaudampfschiff")).toEqual(["▁donau", "dampf", "schiff"])
    expect(split(vocab, "我们中国人")).toEqual(["▁我们", "中国人"])
  })

  it("an unknown character is a piece of its own; the lone word-start mark is not; surrogate pairs stay whole", () => {
    expect(split(vocab, "xdampf")).toEqual(["x", "dampf"])
    expect(split(vocab, "😀dampf")).toEqual(["😀", "dampf"])
    expect(split(vocab, "")).toEqual([])
  })
})

describe("features with pieces", () => {
  const cfg = { ...DEFAULT_FEATURES, buckets: 1 << 16, lexicon: false, pieces: false }
  const pieces = parsePieces("▁donau\ndampf\nschiff\n▁the\n▁cat\n▁sat\n")

  it("add piece features only to words that split into several pieces", () => {
    const f = new Featurizer({ ...cfg, pieces: true }, null, pieces)
    const plain = new Featurizer(cfg)
    expect(f.featurize("the cat sat")).toEqual(plain.featurize("the cat sat"))
    const more = f.featurize("donaudampfschiff")
    const base = new Set(plain.featurize("donaudampfschiff"))
    expect([...base].every((x) => more.includes(x))).toBe(true)
    expect(more.length).toBeGreaterThanOrEqual(base.size + 4) // 3 pieces + 2 pairs, up to collisions
    // A new compound shares its known part's feature with the old one.
    const a = new Set(f.featurize("donaudampfschiff"))
    const shared = f.featurize("xyzschiff").filter((x) => a.has(x) && !new Set(plain.featurize("xyzschiff")).has(x))
    expect(shared.length).toBeGreaterThan(0)
  })

  it("refuses a pieces config without pieces", () => {
    expect(() => new Featurizer({ ...cfg, pieces: true })).toThrow(/config.pieces is set but no pieces/)
  })
})

describe("building the pieces from a tokenizer", () => {
  it("keeps canonical letter/digit pieces of two or more characters, ▁ as the word-start mark", () => {
    const vocab = Object.fromEntries([...Array(1200).keys()].map((i) => [`▁w${i}`, i]))
    const json = JSON.stringify({ model: { vocab: { ...vocab, "<pad>": 0, "▁Hello": 1, "ing": 2, "a": 3, "▁": 4, "..": 5, "<0x0A>": 6 } } })
    const p = piecesFromTokenizerJson(json)
    expect(p.set.has("▁hello")).toBe(true)
    expect(p.set.has("ing")).toBe(true)
    for (const gone of ["a", "▁", "..", "<pad>", "<0x0A>", "▁Hello"]) expect(p.set.has(gone)).toBe(false)
    expect(() => piecesFromTokenizerJson("{}")).toThrow(/no model.vocab/)
  })

  it("builds datasets-style pieces from the installed Gemma 3 package when the file is missing, and reads it back", async () => {
    const file = path.join(dir, "pieces.txt")
    const p = await Effect.runPromise(readPiecesFile(file))
    expect(p.set.size).toBeGreaterThan(100_000)
    expect(fs.readFileSync(file, "utf8")).toMatch(/^# DuoGuard-TS subword pieces .*@lenml\/tokenizer-gemma3@/)
    for (const piece of ["▁the", "▁我们"]) expect(p.set.has(piece)).toBe(true)
    fs.writeFileSync(file, "ok\nbad piece\n")
    const err = await Effect.runPromise(Effect.flip(readPiecesFile(file)))
    expect(err.reason).toMatch(/cannot read the pieces .*pieces\.txt: pieces line 2/)
  })
})

describe("a guard trained with pieces", () => {
  const env = Layer.merge(BackendLive({ log: () => {} }), ProgressSilent)
  const pieces = parsePieces("▁cat\n▁dog\nzorp\n")

  it("ships the pieces in model.json and scores the same after a save and load", async () => {
    const config = tinyConfig({ features: { ...tinyConfig().features, pieces: true } })
    const trained = await Effect.runPromise(trainGuard(syntheticRows(600, 1), syntheticRows(150, 2), config, 11, null, pieces).pipe(Effect.provide(env)))
    expect(trained.pieces).toBe(pieces)
    const text = ["the catzorp sat on the dogzorp"]
    const [a] = await Effect.runPromise(Effect.scoped(Effect.flatMap(guardFromWeights(trained), (g) => g.classify(text))).pipe(Effect.provide(env)))
    const { json, bin } = encodeModel(trained.weights, trained.features, trained.lexicon, trained.pieces)
    expect([...decodeModel(json, bin).pieces!.set].sort()).toEqual([...pieces.set].sort())
    expect(() => decodeModel(json.replace(/"pieces": ".*",\n/, ""), bin)).toThrow(/features.pieces is set but the file has no pieces/)
    const modelDir = path.join(dir, "model")
    await Effect.runPromise(saveGuard(trained, modelDir))
    const [loaded] = await Effect.runPromise(Effect.scoped(Effect.flatMap(loadGuard(modelDir), (g) => g.classify(text))).pipe(Effect.provide(env)))
    expect(loaded).toEqual(a)
  })
})
