import { describe, expect, it } from "vitest"
import { Effect, Layer } from "effect"
import * as tf from "@tensorflow/tfjs-core"
import { auxiliaryRows } from "../../src/guard/calibrate-sources.ts"
import { trainGuard } from "../../src/guard/train.ts"
import { BackendLive } from "../../src/runtime/backend.ts"
import { ProgressSilent } from "../../src/runtime/progress.ts"
import { syntheticRows, tinyConfig } from "./fixtures.ts"

const env = Layer.merge(BackendLive({ log: () => {} }), ProgressSilent)
const train = syntheticRows(800, 1)
const validation = syntheticRows(200, 2)
const run = (seed: number, config = tinyConfig()) =>
  Effect.runPromise(trainGuard(train, validation, config, seed).pipe(Effect.provide(env)))

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64")

describe("trainGuard", () => {
  it("is deterministic: same seed → identical weights; another seed → different weights", async () => {
    const a = await run(7)
    const b = await run(7)
    for (const k of ["embedding", "w1", "b1", "w2", "b2"] as const) expect(bytes(b.weights[k]), k).toBe(bytes(a.weights[k]))
    expect(b.weights.logitShift).toBe(a.weights.logitShift)
    expect(b.history).toEqual(a.history)
    const c = await run(8)
    expect(bytes(c.weights.w2)).not.toBe(bytes(a.weights.w2))
  })

  it("learns a learnable task and reports validation metrics per language", async () => {
    const r = await run(7)
    expect(r.validation.byLanguage.all.f1).toBeGreaterThan(0.9)
    expect(Object.keys(r.validation.byLanguage).sort()).toEqual(["all", "en", "fr"])
    expect(r.validation.categoryAuc.C1).toBeGreaterThan(0.9)
    expect(r.history.length).toBeGreaterThan(0)
    expect(r.history[r.history.length - 1].validationLoss).toBeLessThan(r.history[0].validationLoss + 1e-9)
    expect(r.backend).toBe("wasm")
  })

  it("stops early when validation stops improving", async () => {
    // The synthetic task is learned within a few epochs; with patience 1 the run must stop
    // long before the 30 planned epochs (one validation check per epoch).
    const r = await run(7, tinyConfig({ maxEpochs: 30, patience: 1, evalsPerEpoch: 1 }))
    expect(r.history.length).toBeLessThan(30)
  })

  it("frees every tensor it allocates", async () => {
    const before = tf.memory().numTensors
    await run(3)
    expect(tf.memory().numTensors).toBe(before)
  })

  it("calibrates for unseen sources with an auxiliary model (\"sources\" mode)", async () => {
    const r = await run(7, tinyConfig({ calibration: "sources", calibrationSources: ["s2", "absent"] }))
    const c = r.validation.calibration
    expect(c.mode).toBe("sources")
    expect(c.heldOut?.sources).toEqual(["s2"])
    expect(c.heldOut?.rows).toBe(train.filter((x) => x.source === "s2").length + validation.filter((x) => x.source === "s2").length)
    expect(c.shift).toBeCloseTo((c.validation?.shift ?? 0) + (c.heldOut?.genreOffset ?? NaN), 9)
    expect(r.weights.logitShift).toBe(c.shift)
    // The main model is the same as without the auxiliary fit: only the shift can differ.
    const plain = await run(7, tinyConfig({ calibration: "f1" }))
    expect(bytes(r.weights.embedding)).toBe(bytes(plain.weights.embedding))
    expect(plain.validation.calibration.heldOut).toBeUndefined()
  })

  it("saves the shift under each class prior as an operating point; the configured one is the default", async () => {
    for (const calibrationPrior of ["balanced", "observed"] as const) {
      for (const calibration of ["f1", "sources"] as const) {
        const r = await run(7, tinyConfig({ calibration, calibrationPrior, calibrationSources: ["s2"] }))
        const points = r.weights.operatingPoints!
        expect(Object.keys(points)).toEqual(["balanced", "observed", "everyday"])
        expect(points[calibrationPrior]).toBe(r.weights.logitShift)
        // Each point is that prior's validation shift plus that prior's genre offset.
        if (calibration === "f1") expect(points[calibrationPrior]).toBe(r.validation.calibration.validation?.shift)
      }
    }
    expect((await run(7, tinyConfig({ calibration: "none" }))).weights.operatingPoints).toBeUndefined()
  })

  it("rejects empty inputs with a clear error", async () => {
    const err = await Effect.runPromise(
      trainGuard(train, [], tinyConfig(), 1).pipe(Effect.provide(env), Effect.flip)
    )
    expect(err.reason).toMatch(/validation set is empty/)
  })
})

describe("auxiliaryRows (sources calibration)", () => {
  it("leaves out held-out sources and the synthetic rows rewritten from them", () => {
    const row = (source: string, derivedFrom?: string) => ({ text: "x", lang: "en", unsafe: false, categories: [], source, derivedFrom })
    const rows = [row("olid"), row("alpaca"), row("selfplay", "olid"), row("selfplay", "alpaca"), row("selfplay")]
    expect(auxiliaryRows(rows, new Set(["olid"]))).toEqual([1, 3, 4])
  })
})
