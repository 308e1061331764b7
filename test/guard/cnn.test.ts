/**
 * The CNN guard family (src/guard/cnn/) on a toy task made up here: a text is unsafe iff the
 * word "red" is directly followed by "door" — both words also occur apart in safe texts, so a
 * bag of words cannot separate the classes and a width-3 convolution must use word order. A
 * toy tokenizer (one id per word) stands in for Gemma's (whose 18 MB vocabulary takes seconds to
 * load).
 */
import { Effect, Layer, Schema } from "effect"
import * as tf from "@tensorflow/tfjs-core"
import * as fs from "node:fs"
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { CATEGORY_IDS } from "../../schemas/taxonomy.ts"
import { CnnConfig, DEFAULT_CNN_CONFIG } from "../../src/guard/cnn/config.ts"
import { Example } from "../../schemas/example.ts"
import { rowsToTable, writeParquet } from "../../src/data/parquet.ts"
import { EXAMPLE_COLUMNS } from "../../src/data/tables.ts"
import { isHeldOutRow } from "../../src/eval/generalization.ts"
import { SELFPLAY_SOURCE } from "../../src/guard/guard-rows.ts"
import { buildCnnData, checkFiles, parseFileList } from "../../src/guard/cnn/data.ts"
import { Batcher, batchIndex, cnnLogits, disposeIndex, gatherRows, initCnn, predictLogits, type CnnShape } from "../../src/guard/cnn/model.ts"
import { decodeCnn, encodeCnn } from "../../src/guard/cnn/storage.ts"
import { cachedTokenizer, cacheFileFor } from "../../src/guard/cnn/token-cache.ts"
import type { TokenIds } from "../../src/guard/cnn/tokenizer.ts"
import { predictionsOf, trainCnn, type TrainedCnn } from "../../src/guard/cnn/train.ts"
import { ensureGradients } from "../../src/guard/gradients.ts"
import type { TrainRow } from "../../src/guard/train-data.ts"
import { BackendLive } from "../../src/runtime/backend.ts"
import { ProgressSilent } from "../../src/runtime/progress.ts"
import { Rng } from "../../src/runtime/rng.ts"
import { tempDir } from "../support/temp-dir.ts"

const WORDS = "red door blue window green chair small table open close the a".split(" ")
const toyTokenizer: TokenIds = {
  name: "toy-words",
  vocabSize: WORDS.length + 1,
  encode: (text, maxLen) => Int32Array.from(text.split(" ").filter((w) => w !== "").slice(0, maxLen), (w) => {
    const i = WORDS.indexOf(w)
    return i < 0 ? WORDS.length : i
  })
}

const toyRows = (n: number, seed: number): Array<TrainRow> => {
  const rng = new Rng(seed)
  return Array.from({ length: n }, (_, i) => {
    const unsafe = i % 2 === 0
    let words: Array<string>
    do {
      words = Array.from({ length: 3 + rng.int(6) }, () => WORDS[2 + rng.int(WORDS.length - 2)])
      // Safe rows hold both words apart ("door … red"); unsafe rows hold "red door".
      const at = rng.int(words.length + 1)
      if (unsafe) words.splice(at, 0, "red", "door")
      else words.splice(at, 0, "door", WORDS[2 + rng.int(WORDS.length - 2)], "red")
    } while (!unsafe && words.join(" ").includes("red door"))
    return { text: words.join(" "), lang: i % 4 < 2 ? "en" : "fr", unsafe, categories: unsafe ? ["C3"] : [], source: "toy" }
  })
}

const config = (over: Partial<CnnConfig> = {}): CnnConfig =>
  Schema.decodeUnknownSync(CnnConfig)({
    ...DEFAULT_CNN_CONFIG,
    maxLen: 16,
    model: { dim: 8, width: 3, filters: 16, hidden: 0 },
    balance: { ...DEFAULT_CNN_CONFIG.balance, maxRowsPerGroup: null },
    batchSize: 32,
    maxEpochs: 8,
    evalsPerEpoch: 1,
    patience: 3,
    learningRate: 1e-2,
    embeddingLearningRate: 3e-2,
    defaultOperatingPoint: "prior",
    ...over
  })

const env = Layer.merge(BackendLive({ log: () => {} }), ProgressSilent)
const train = toyRows(480, 1)
const validation = toyRows(160, 2)
const run = (seed: number, c = config()) => Effect.runPromise(trainCnn(train, validation, c, seed, toyTokenizer).pipe(Effect.provide(env)))
const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64")

let trained: TrainedCnn
beforeAll(async () => {
  trained = await run(7)
})

describe("CNN guard", () => {
  it("learns an order-dependent toy task and calibrates on validation", () => {
    expect(trained.validation.byLanguage.all.auc).toBeGreaterThan(0.95)
    expect(trained.validation.byLanguage.all.f1).toBeGreaterThan(0.9)
    expect(trained.validation.categoryAuc.C3).toBeGreaterThan(0.95)
    expect(trained.history[trained.history.length - 1].validationLoss).toBeLessThan(trained.history[0].validationLoss)
    // calibrate.ts, as for the main family: the configured prior's F1 shift is the default here.
    expect(trained.validation.calibration.mode).toBe("f1")
    expect(trained.weights.logitShift).toBe(trained.validation.calibration.validation!.shift)
    expect(Object.keys(trained.weights.operatingPoints ?? {}).sort()).toEqual(["balanced", "everyday", "observed"])
    expect(trained.weights.operatingPoints!.balanced).toBe(trained.weights.logitShift)
    expect(trained.validation.calibration.everyday?.shift).toBe(trained.weights.operatingPoints!.everyday)
    expect(trained.backend).toBe("wasm")
  })

  it("gives one prediction per text: 12 probabilities, unsafe = their max, flagged iff > 0.5", () => {
    const texts = ["the red door", "door the red", "", "open window"]
    const tokens = texts.map((t) => toyTokenizer.encode(t, 16))
    expect(tokens[2].length).toBe(0)
    expect(predictLogits(trained.weights, tokens).length).toBe(texts.length * CATEGORY_IDS.length)
    const preds = predictionsOf(trained.weights, tokens)
    expect(preds.length).toBe(texts.length)
    for (const p of preds) {
      const probs = CATEGORY_IDS.map((c) => p.categories[c])
      for (const x of probs) expect(x >= 0 && x <= 1).toBe(true)
      expect(p.unsafe).toBe(Math.max(...probs))
      expect(p.flagged).toBe(p.unsafe > 0.5)
    }
    expect(preds[0].flagged).toBe(true)
    expect(preds[1].flagged).toBe(false)
    // Batching does not change a text's score.
    expect(predictionsOf(trained.weights, [tokens[0]])[0].unsafe).toBeCloseTo(preds[0].unsafe, 6)
  })

  it("is deterministic (same seed → same weights; another seed → others) and frees its tensors", async () => {
    const before = tf.memory().numTensors
    const again = await run(7)
    expect(tf.memory().numTensors).toBe(before)
    for (const k of ["embedding", "convW", "convB", "w2", "b2"] as const) expect(bytes(again.weights[k]), k).toBe(bytes(trained.weights[k]))
    expect(again.history).toEqual(trained.history)
    const other = await run(8, config({ maxEpochs: 1 }))
    expect(bytes(other.weights.convW)).not.toBe(bytes(trained.weights.convW))
  })

  it("zeroes the embedding rows of tokens no training text uses, and survives a save/load round trip", () => {
    const D = trained.weights.shape.dim
    const unknown = WORDS.length // the toy tokenizer's id for any other word: never in training
    expect(Array.from(trained.weights.embedding.subarray(unknown * D, unknown * D + D))).toEqual(new Array(D).fill(0))
    const { json, bin } = encodeCnn({ weights: trained.weights, tokenizer: toyTokenizer.name, maxLen: 16 })
    const back = decodeCnn(json, bin)
    expect(back.tokenizer).toBe("toy-words")
    for (const k of ["embedding", "convW", "convB", "w2", "b2"] as const) expect(bytes(back.weights[k]), k).toBe(bytes(trained.weights[k]))
    expect(decodeCnn(json, bin, "observed").weights.logitShift).toBe(trained.weights.operatingPoints!.observed)
    expect(() => decodeCnn(json, bin, "nope")).toThrow(/no operating point "nope"/)
    expect(() => decodeCnn(json, bin.subarray(0, 100))).toThrow(/weights.bin: 100 bytes/)
  })

  it("has gradients that match finite differences (host max pool, explicit-transpose matmul)", async () => {
    await ensureGradients()
    await Effect.runPromise(Effect.provide(Effect.void, env))
    const shape: CnnShape = { vocab: 20, dim: 4, width: 3, filters: 5, hidden: 3 }
    const w = initCnn(shape, new Rng(11))
    // Most ReLUs on (a dead hidden layer would make every gradient 0 and the check vacuous).
    w.convB.fill(0.1)
    w.b1.fill(1)
    const texts = [Int32Array.of(1, 2, 3, 4), Int32Array.of(5), Int32Array.of(6, 1, 6), new Int32Array(0)]
    const b = new Batcher(shape.vocab, shape.width).batch(texts)
    const probe = tf.tensor2d(Float32Array.from({ length: texts.length * 12 }, (_, i) => Math.sin(i + 1)), [texts.length, 12])
    const ix = batchIndex(b, true)
    const loss = (table: Float32Array, convW: Float32Array, convB = w.convB) =>
      tf.tidy(() => {
        const p = {
          table: tf.tensor2d(table, [b.rows.length + 1, shape.dim]),
          convW: tf.tensor2d(convW, [shape.width * shape.dim, shape.filters]),
          convB: tf.tensor1d(convB),
          w1: tf.tensor2d(w.w1, [shape.filters, shape.hidden]),
          b1: tf.tensor1d(w.b1),
          w2: tf.tensor2d(w.w2, [shape.hidden, 12]),
          b2: tf.tensor1d(w.b2)
        }
        return tf.sum(tf.mul(cnnLogits(shape, b, ix, p), probe)).dataSync()[0]
      })
    const table = gatherRows(w.embedding, shape.dim, b.rows)
    const [gTable, gConv, gBias] = tf.tidy(() => {
      const f = (t: tf.Tensor, c: tf.Tensor, cb: tf.Tensor) =>
        tf.sum(tf.mul(cnnLogits(shape, b, ix, {
          table: t as tf.Tensor2D, convW: c as tf.Tensor2D, convB: cb as tf.Tensor1D,
          w1: tf.tensor2d(w.w1, [shape.filters, shape.hidden]), b1: tf.tensor1d(w.b1),
          w2: tf.tensor2d(w.w2, [shape.hidden, 12]), b2: tf.tensor1d(w.b2)
        }), probe)) as tf.Scalar
      return tf.grads(f)([tf.tensor2d(table, [b.rows.length + 1, shape.dim]), tf.tensor2d(w.convW, [shape.width * shape.dim, shape.filters]), tf.tensor1d(w.convB)])
        .map((g) => g.dataSync() as Float32Array)
    })
    const eps = 1e-3
    const numeric = (arr: Float32Array, i: number, f: (a: Float32Array) => number) => {
      const up = arr.slice(), down = arr.slice()
      up[i] += eps
      down[i] -= eps
      return (f(up) - f(down)) / (2 * eps)
    }
    // Every entry (the table's zero row included: the function is defined for any value there).
    const check = (analytic: Float32Array, numericAt: (i: number) => number) => {
      let nonzero = 0
      analytic.forEach((g, i) => {
        expect(g, `entry ${i}`).toBeCloseTo(numericAt(i), 2)
        if (Math.abs(g) > 1e-2) nonzero++
      })
      expect(nonzero).toBeGreaterThan(analytic.length / 3)
    }
    check(gTable, (i) => numeric(table, i, (t) => loss(t, w.convW)))
    check(gConv, (i) => numeric(w.convW, i, (c) => loss(table, c)))
    check(gBias, (i) => numeric(w.convB, i, (cb) => loss(table, w.convW, cb)))
    disposeIndex(ix)
    probe.dispose()
  })
})

describe("token cache", () => {
  it("returns the inner tokenizer's ids, from disk the second time, and ignores a cut-off record", () => {
    const dir = tempDir("cnn-cache")
    let calls = 0
    const counting: TokenIds = { ...toyTokenizer, encode: (t, n) => (calls++, toyTokenizer.encode(t, n)) }
    const texts = ["red door", "the open window", "door"]
    const first = cachedTokenizer(counting, dir, 16)
    const ids = texts.map((t) => Array.from(first.encode(t, 16)))
    expect(ids).toEqual(texts.map((t) => Array.from(toyTokenizer.encode(t, 16))))
    first.flush()
    expect(calls).toBe(3)
    const second = cachedTokenizer(counting, dir, 16)
    expect(texts.map((t) => Array.from(second.encode(t, 16)))).toEqual(ids)
    expect(calls).toBe(3)
    expect(second.stats()).toEqual({ hits: 3, misses: 0, entries: 3 })
    second.encode("red door", 4) // another cap: not cached
    expect(calls).toBe(4)
    const file = cacheFileFor(dir, counting, 16)
    fs.appendFileSync(file, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 0, 0]))
    fs.appendFileSync(file, Buffer.from([1, 2, 3]))
    expect(cachedTokenizer(counting, dir, 16).stats().entries).toBe(4) // the 10-byte record is whole (0 ids), the 3 bytes are not
  })
})

describe("CNN training data", () => {
  it("rejects an empty entry in a file list and names a missing file", async () => {
    const bad = await Effect.runPromise(Effect.flip(parseFileList("a.parquet,,b.parquet")))
    expect(bad.message).toMatch(/--synthetic: entry 2 of "a.parquet,,b.parquet" is empty/)
    expect(await Effect.runPromise(parseFileList(" a.parquet , b.parquet"))).toEqual(["a.parquet", "b.parquet"])
    const dir = tempDir("cnn")
    const missing = path.join(dir, "iter-9", "synthetic.parquet")
    const err = await Effect.runPromise(Effect.flip(checkFiles([missing])))
    expect(err.message).toContain(missing)
    expect(err.message).toMatch(/does not exist/)
  })

  it("names a synthetic file that is not Parquet", async () => {
    const dir = tempDir("cnn")
    const junk = path.join(dir, "junk.parquet")
    fs.writeFileSync(junk, "not parquet")
    const err = await Effect.runPromise(Effect.flip(buildCnnData([], [junk])))
    expect(err.message).toContain(junk)
  })

  it("drops the check's held-out seed rows and makes synthetic rows one source, split by their split", async () => {
    const ex = (over: Partial<Example>): Example => ({
      id: "x", text: "hello there", lang: "en", unsafe: false, categories: [], source: "davidson",
      license: "MIT", split: "train", origin: "seed", parent_id: null, iteration: 0, ...over
    })
    const seed = [
      ex({ id: "s1" }),
      ex({ id: "s2", split: "validation", unsafe: true, categories: ["C3"] }),
      ex({ id: "h1", source: "olid" }) // held out whole by the generalization check
    ]
    expect(seed.map(isHeldOutRow)).toEqual([false, false, true])
    const synth = [
      ex({ id: "y1", text: "hola", lang: "es", origin: "synthetic", parent_id: "s1", iteration: 1 }),
      ex({ id: "y2", text: "salut", lang: "fr", split: "validation", origin: "synthetic", parent_id: "s1", iteration: 1 }),
      ex({ id: "y3", text: "hallo", lang: "de", origin: "synthetic", parent_id: "h1", iteration: 1 })
    ]
    const file = path.join(tempDir("cnn"), "synthetic.parquet")
    await Effect.runPromise(writeParquet(file, rowsToTable(synth, EXAMPLE_COLUMNS)))
    const data = await Effect.runPromise(buildCnnData(seed, [file]))
    expect(data.train.map((r) => [r.text, r.source, r.derivedFrom])).toEqual([
      ["hello there", "davidson", undefined],
      ["hola", SELFPLAY_SOURCE, "davidson"]
    ])
    expect(data.validation.map((r) => [r.lang, r.source])).toEqual([["en", "davidson"], ["fr", SELFPLAY_SOURCE]])
    expect(data.droppedHeldOutChildren).toBe(1)
    expect(data.synthetic).toEqual([{ file, rows: 2 }])
  })
})
