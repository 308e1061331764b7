import { beforeAll, describe, expect, it } from "vitest"
import { Effect, Layer, Scope, Exit } from "effect"
import * as tf from "@tensorflow/tfjs-core"
import * as fs from "node:fs"
import * as path from "node:path"
import { decodeModel, encodeModel, fromHalf, MODEL_FILE, toHalf, WEIGHTS_FILE } from "../../src/guard/format.ts"
import { guardFromWeights, loadGuard, type Guard } from "../../src/guard/guard.ts"
import { MANIFEST_FILE, saveGuard } from "../../src/guard/storage.ts"
import { trainGuard, type TrainedGuard } from "../../src/guard/train.ts"
import { Backend, BackendLive } from "../../src/runtime/backend.ts"
import { ProgressSilent } from "../../src/runtime/progress.ts"
import { createGuard } from "../../src/index.ts"
import { syntheticRows, tinyConfig } from "./fixtures.ts"
import { tempDir } from "../support/temp-dir.ts"

const env = Layer.merge(BackendLive({ log: () => {} }), ProgressSilent)
const dir = tempDir("guard-rt")
const modelDir = path.join(dir, "model")
let trained: TrainedGuard
const texts = ["the cat reads a book", "murder the dog", "subhuman vermin", "", "k1ll", "x".repeat(100_000)]

beforeAll(async () => {
  trained = await Effect.runPromise(
    trainGuard(syntheticRows(600, 1), syntheticRows(150, 2), tinyConfig(), 11).pipe(Effect.provide(env))
  )
  await Effect.runPromise(saveGuard(trained, modelDir))
})

const withGuard = <A>(make: Effect.Effect<Guard, unknown, Scope.Scope | Backend>, f: (g: Guard) => Effect.Effect<A, unknown>) =>
  Effect.runPromise(Effect.scoped(Effect.flatMap(make, f)).pipe(Effect.provide(env)) as Effect.Effect<A, unknown>)

describe("save → load", () => {
  it("gives identical predictions to the in-memory guard", async () => {
    const inMemory = await withGuard(guardFromWeights(trained), (g) => g.classify(texts))
    const loaded = await withGuard(loadGuard(modelDir), (g) => g.classify(texts))
    expect(loaded).toEqual(inMemory)
    expect(loaded[1].flagged).toBe(true)
    expect(loaded[0].flagged).toBe(false)
  })

  it("loads at a named operating point: the same model with that shift, or an error naming the points", async () => {
    const points = trained.weights.operatingPoints!
    const other = Object.keys(points).find((k) => points[k] !== trained.weights.logitShift) ?? "observed"
    const shifted = await withGuard(guardFromWeights({ ...trained, weights: { ...trained.weights, logitShift: points[other] } }), (g) => g.classify(texts))
    expect(await withGuard(loadGuard(modelDir, { operatingPoint: other }), (g) => g.classify(texts))).toEqual(shifted)
    const err = await Effect.runPromise(Effect.scoped(loadGuard(modelDir, { operatingPoint: "lenient" })).pipe(Effect.flip, Effect.provide(env)))
    expect(err.reason).toMatch(/no operating point "lenient"; it has: balanced, observed/)
    // A model saved before operating points says so.
    const old = path.join(dir, "old")
    fs.mkdirSync(old)
    const json = JSON.parse(fs.readFileSync(path.join(modelDir, MODEL_FILE), "utf8"))
    delete json.operatingPoints
    fs.writeFileSync(path.join(old, MODEL_FILE), JSON.stringify(json))
    fs.copyFileSync(path.join(modelDir, WEIGHTS_FILE), path.join(old, WEIGHTS_FILE))
    const oldErr = await Effect.runPromise(Effect.scoped(loadGuard(old, { operatingPoint: "observed" })).pipe(Effect.flip, Effect.provide(env)))
    expect(oldErr.reason).toMatch(/saved without operating points/)
  })

  it("writes the same bytes twice and a manifest with hashes, seed and metrics", async () => {
    const other = path.join(dir, "again")
    await Effect.runPromise(saveGuard(trained, other))
    for (const f of [MODEL_FILE, WEIGHTS_FILE]) {
      expect(fs.readFileSync(path.join(other, f)).equals(fs.readFileSync(path.join(modelDir, f))), f).toBe(true)
    }
    const manifest = JSON.parse(fs.readFileSync(path.join(modelDir, MANIFEST_FILE), "utf8"))
    expect(manifest.seed).toBe(11)
    expect(manifest.outputs.map((o: { path: string }) => o.path)).toEqual([MODEL_FILE, WEIGHTS_FILE])
    expect(manifest.validation.byLanguage.all.n).toBe(150)
    expect(manifest.packages["@tensorflow/tfjs-core"]).toBe("4.22.0")
    expect(fs.readdirSync(dir).filter((f) => f.includes(".tmp-") || f.includes(".old-"))).toEqual([])
  })

  it("is readable by tfjs's own weight decoder (what a browser would use)", async () => {
    const json = JSON.parse(fs.readFileSync(path.join(modelDir, MODEL_FILE), "utf8"))
    const bin = fs.readFileSync(path.join(modelDir, WEIGHTS_FILE))
    const buffer = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength)
    const tensors = tf.io.decodeWeights(buffer, json.weightsManifest[0].weights)
    const w2 = tensors.w2.dataSync()
    expect(Array.from(w2)).toEqual(Array.from(trained.weights.w2))
    expect(Array.from(tensors.embedding.dataSync().subarray(0, 64))).toEqual(Array.from(trained.weights.embedding.subarray(0, 64)))
    tf.dispose(Object.values(tensors))
  })

  it("rejects damaged model files with a message naming the problem", () => {
    const { json, bin } = encodeModel(trained.weights, trained.features)
    expect(() => decodeModel(json, bin.subarray(0, bin.length - 4))).toThrow(/weights.bin: .* bytes/)
    expect(() => decodeModel("{not json", bin)).toThrow(/model.json is not JSON/)
    const inf = bin.slice()
    inf[2] = 0x00
    inf[3] = 0x7c // embedding[1] = +Infinity in float16
    expect(() => decodeModel(json, inf)).toThrow(/embedding\[1\] is not finite/)
    const bad = JSON.parse(json)
    bad.shape.dim = 9
    expect(() => decodeModel(JSON.stringify(bad), bin)).toThrow(/weightsManifest does not match/)
  })

  it("refuses weights that decode fine but differ from the manifest's sha256 (a flipped bit)", async () => {
    const copy = path.join(dir, "flipped")
    fs.cpSync(modelDir, copy, { recursive: true })
    const weights = fs.readFileSync(path.join(copy, WEIGHTS_FILE))
    weights[weights.length - 2] ^= 0x01 // the lowest mantissa bit of the last float16: still finite
    fs.writeFileSync(path.join(copy, WEIGHTS_FILE), weights)
    const err = await Effect.runPromise(Effect.scoped(loadGuard(copy)).pipe(Effect.flip, Effect.provide(env)))
    expect(err._tag).toBe("GuardError")
    expect(err.reason).toMatch(/weights\.bin does not match its sha256 in manifest\.json/)
    // Without a manifest there is nothing to check against: the folder loads.
    fs.rmSync(path.join(copy, "manifest.json"))
    await withGuard(loadGuard(copy), (g) => g.classify(texts))
  })

  it("fails loading a missing folder with a GuardError naming the file", async () => {
    const err = await Effect.runPromise(Effect.scoped(loadGuard(path.join(dir, "nope"))).pipe(Effect.flip, Effect.provide(env)))
    expect(err._tag).toBe("GuardError")
    expect(err.reason).toMatch(/nope.*model\.json/)
  })
})

describe("the backend", () => {
  it("is the session the caller provides (the Backend service), not one loadGuard makes", async () => {
    const given = Layer.effect(Backend, Effect.map(Backend, (b) => ({ ...b, name: "tfjs-node-gpu" as const }))).pipe(Layer.provide(env))
    const name = await Effect.runPromise(Effect.scoped(Effect.map(loadGuard(modelDir), (g) => g.backend)).pipe(Effect.provide(given)))
    expect(name).toBe("tfjs-node-gpu")
  })
})

describe("float16", () => {
  it("round-trips representable values exactly and rounds others to nearest", () => {
    for (const x of [0, 1, -2, 0.5, 65504, -(2 ** -14), 1.5, 2 ** -24]) expect(fromHalf(toHalf(x))).toBe(x)
    expect(Math.abs(fromHalf(toHalf(0.1)) - 0.1)).toBeLessThan(1e-4)
    expect(fromHalf(toHalf(1e6))).toBe(Infinity)
  })
})

describe("tensor lifetime", () => {
  it("a guard session frees what it allocated", async () => {
    const before = tf.memory().numTensors
    const scope = Effect.runSync(Scope.make())
    const guard = await Effect.runPromise(loadGuard(modelDir).pipe(Effect.provide(Layer.extendScope(env)), Scope.extend(scope)))
    expect(tf.memory().numTensors).toBeGreaterThan(before)
    await Effect.runPromise(guard.classify(texts))
    await Effect.runPromise(guard.classifyConversation([{ prompt: "hi", response: "murder" }, { prompt: "x" }]))
    await Effect.runPromise(Scope.close(scope, Exit.void))
    expect(tf.memory().numTensors).toBe(before)
  })
})

describe("Promise API and conversations", () => {
  it("createGuard classifies, moderates both sides of a turn, and closes", async () => {
    const before = tf.memory().numTensors
    const g = await createGuard(modelDir)
    const [safe, bad] = await g.classify(["the cat reads a book", "murder the dog"])
    expect(safe.flagged).toBe(false)
    expect(bad.flagged).toBe(true)
    const turns = await g.classifyConversation([
      { prompt: "the cat reads a book" },
      { prompt: "the cat reads a book", response: "murder the dog" },
      { prompt: "murder the dog", response: "the cat reads a book" }
    ])
    expect(turns.map((t) => t.flagged)).toEqual([false, true, true])
    expect(turns[0]).toEqual(safe)
    await g.close()
    expect(tf.memory().numTensors).toBe(before)
    await expect(g.classify(["x"])).rejects.toThrow(/closed/)
  })

  it("rejects a non-array, a hole or a non-string reply with a GuardError naming the index", async () => {
    const g = await createGuard(modelDir)
    const reject = (p: Promise<unknown>, pattern: RegExp) => expect(p).rejects.toMatchObject({ _tag: "GuardError", reason: expect.stringMatching(pattern) })
    await reject(g.classify(new Set(["a"]) as unknown as Array<string>), /texts must be an array.*Set/)
    await reject(g.classify("abc" as unknown as Array<string>), /texts must be an array.*string/)
    await reject(g.classify(["a", , "c"] as Array<string>), /text 1 is missing/)
    await reject(g.classifyConversation([{ prompt: "hi", response: null as unknown as string }]), /turn 0: response is null/)
    await reject(g.classifyConversation([{ prompt: "hi" }, 7 as unknown as { prompt: string }]), /turn 1 is a number/)
    await reject(g.classifyConversation([{ prompt: 3 as unknown as string }]), /turn 0: prompt is a number/)
    await reject(g.classifyConversation({ length: 1 } as unknown as Array<{ prompt: string }>), /turns must be an array/)
    // A turn without a reply may say so with `response: undefined`.
    expect(await g.classifyConversation([{ prompt: "hi", response: undefined }])).toHaveLength(1)
    await g.close()
  })

  it("createGuard rejects with the GuardError itself", async () => {
    await expect(createGuard(path.join(dir, "missing"))).rejects.toMatchObject({ _tag: "GuardError" })
  })
})
