import { describe, expect, it } from "vitest"
import { Effect, Random, Schema } from "effect"
import { Rng } from "../src/runtime/rng.ts"
import { makeSeed, Seed, SeedLive, withSeededRandom } from "../src/runtime/seed.ts"
import { stratifiedSample } from "../src/data/sample.ts"
import { loadConfig } from "../src/runtime/config.ts"
import { describeError } from "../src/runtime/cli.ts"
import { DEFAULT_SELFPLAY, SelfPlayConfig } from "../src/game/config.ts"
import * as fs from "node:fs"
import { tempDir } from "./support/temp-dir.ts"
import * as path from "node:path"

describe("Rng", () => {
  it("same seed, same stream; different seeds differ", () => {
    const a = new Rng(42), b = new Rng(42), c = new Rng(43)
    const xs = Array.from({ length: 5 }, () => a.next())
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs)
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs)
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true)
  })
  it("children are independent of sibling creation order", () => {
    const r = new Rng(7)
    const x1 = r.child("sample").next()
    r.child("other").next()
    expect(new Rng(7).child("sample").next()).toBe(x1)
  })
  it("is roughly uniform", () => {
    const r = new Rng(1)
    const counts = [0, 0, 0, 0]
    for (let i = 0; i < 40_000; i++) counts[r.int(4)]++
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400)
  })
})

describe("Seed service", () => {
  it("derives named Effect Random streams reproducibly", async () => {
    const draw = Effect.gen(function* () {
      return [yield* Random.nextInt, yield* Random.nextInt]
    }).pipe(withSeededRandom("stage-a"))
    const run = () => Effect.runPromise(draw.pipe(Effect.provide(SeedLive(123))))
    expect(await run()).toEqual(await run())
    const other = await Effect.runPromise(
      Effect.gen(function* () {
        const s = yield* Seed
        return s.derive("stage-b")
      }).pipe(Effect.provide(SeedLive(123)))
    )
    expect(other).not.toBe(makeSeed(123).derive("stage-a"))
  })
})

describe("stratifiedSample", () => {
  const rows = [
    ...Array.from({ length: 900 }, (_, i) => ({ i, k: "en|safe" })),
    ...Array.from({ length: 90 }, (_, i) => ({ i: 1000 + i, k: "fr|unsafe" })),
    ...Array.from({ length: 10 }, (_, i) => ({ i: 2000 + i, k: "de|unsafe" }))
  ]
  it("keeps stratum proportions and exact size", () => {
    const s = stratifiedSample(rows, 100, (r) => r.k, new Rng(3))
    expect(s.length).toBe(100)
    const count = (k: string) => s.filter((r) => r.k === k).length
    expect(count("en|safe")).toBe(90)
    expect(count("fr|unsafe")).toBe(9)
    expect(count("de|unsafe")).toBe(1)
    expect(new Set(s.map((r) => r.i)).size).toBe(100)
  })
  it("honours a per-stratum floor", () => {
    const s = stratifiedSample(rows, 100, (r) => r.k, new Rng(3), { minPerStratum: 5 })
    expect(s.filter((r) => r.k === "de|unsafe").length).toBeGreaterThanOrEqual(5)
  })
  it("equal allocation gives every stratum the same quota, small ones all their rows", () => {
    const s = stratifiedSample(rows, 100, (r) => r.k, new Rng(3), { allocation: "equal" })
    expect(s.length).toBe(100)
    const count = (k: string) => s.filter((r) => r.k === k).length
    expect(count("de|unsafe")).toBe(10) // all it has
    expect(count("fr|unsafe")).toBe(45) // (100 - 10) / 2
    expect(count("en|safe")).toBe(45)
    expect(new Set(s.map((r) => r.i)).size).toBe(100)
    const odd = stratifiedSample(rows, 101, (r) => r.k, new Rng(3), { allocation: "equal" })
    expect(odd.length).toBe(101)
  })
  it("is deterministic and input-order independent", () => {
    const a = stratifiedSample(rows, 50, (r) => r.k, new Rng(9)).map((r) => r.i)
    const b = stratifiedSample(rows, 50, (r) => r.k, new Rng(9)).map((r) => r.i)
    expect(a).toEqual(b)
  })
})

describe("loadConfig", () => {
  const Cfg = Schema.Struct({ seed: Schema.Int, train: Schema.Struct({ epochs: Schema.Int }) })
  it("applies overrides and validates", async () => {
    const c = await Effect.runPromise(loadConfig(Cfg, { seed: 1, train: { epochs: 2 } }, { overrides: ["train.epochs=5"] }))
    expect(c.train.epochs).toBe(5)
  })
  it("names the bad field", async () => {
    const e = await Effect.runPromise(Effect.flip(loadConfig(Cfg, { seed: 1, train: { epochs: 2 } }, { overrides: ["train.epochs=\"x\""] })))
    expect(e.message).toContain("epochs")
  })
  it("refuses a key that would reach Object.prototype, naming it", async () => {
    for (const key of ["__proto__.x", "train.__proto__.polluted", "constructor.prototype.x", "train..epochs"]) {
      const e = await Effect.runPromise(Effect.flip(loadConfig(Cfg, { seed: 1, train: { epochs: 2 } }, { overrides: [`${key}=1`] })))
      expect(e.message).toContain(key)
    }
    expect(({} as Record<string, unknown>).x).toBeUndefined()
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
  it("refuses a non-finite number, naming the key", async () => {
    const Num = Schema.Struct({ seed: Schema.Int, batch: Schema.Struct({ maxWaitMs: Schema.Number }) })
    for (const v of ["1e999", "-1e999"]) {
      const e = await Effect.runPromise(Effect.flip(loadConfig(Num, { seed: 1, batch: { maxWaitMs: 2 } }, { overrides: [`batch.maxWaitMs=${v}`] })))
      expect(e.message).toContain("batch.maxWaitMs")
    }
    const dir = tempDir("config")
    const file = path.join(dir, "c.json")
    fs.writeFileSync(file, '{"batch": {"maxWaitMs": 1e999}}')
    const e = await Effect.runPromise(Effect.flip(loadConfig(Num, { seed: 1, batch: { maxWaitMs: 2 } }, { file })))
    expect(e.message).toContain("batch.maxWaitMs")
  })
  it("refuses a run id that names a parent or the current folder", () => {
    for (const runId of ["..", ".", ".hidden"]) {
      expect(() => Schema.decodeUnknownSync(SelfPlayConfig)({ ...DEFAULT_SELFPLAY, runId })).toThrow(/runId/)
    }
    expect(Schema.decodeUnknownSync(SelfPlayConfig)({ ...DEFAULT_SELFPLAY, runId: "my-run.2" }).runId).toBe("my-run.2")
  })
})

describe("stratifiedSample floors", () => {
  it("never returns more than n rows, even when floors overshoot", () => {
    const rows = Array.from({ length: 300 }, (_, i) => ({ i, k: `s${i % 30}` }))
    const s = stratifiedSample(rows, 40, (r) => r.k, new Rng(1), { minPerStratum: 2 })
    expect(s.length).toBe(40)
    const per = new Map<string, number>()
    for (const r of s) per.set(r.k, (per.get(r.k) ?? 0) + 1)
    expect(Math.min(...per.values())).toBeGreaterThanOrEqual(1)
  })
})

describe("describeError", () => {
  it("names the wrapped cause of an error that only wraps another", () => {
    const serveError = { _tag: "ServeError", message: "ServeError", cause: new Error("listen EADDRINUSE: address already in use 127.0.0.1:8080") }
    expect(describeError(serveError)).toBe("ServeError: listen EADDRINUSE: address already in use 127.0.0.1:8080")
    expect(describeError({ _tag: "GuardError", reason: "cannot read m/model.json" })).toBe("GuardError: cannot read m/model.json")
    // A cause already in the message is not repeated.
    expect(describeError({ message: "bad: boom", cause: new Error("boom") })).toBe("bad: boom")
  })
})
