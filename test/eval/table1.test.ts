import { describe, expect, it } from "vitest"
import { Effect, Schema } from "effect"
import { ProgressSilent } from "../../src/runtime/progress.ts"
import { evaluateGuard } from "../../src/eval/evaluate.ts"
import { averageOf, cellOf, computeTable1, Table1Result } from "../../src/eval/table1.ts"
import { PAPER_TABLE1 } from "../../src/eval/paper.ts"
import { BENCHMARKS } from "../../schemas/index.ts"
import { fakeGuard, predictionFor, probabilityOf, TINY_BENCHMARK } from "./fixtures.ts"

const run = <A, E>(e: Effect.Effect<A, E, import("../../src/runtime/progress.ts").Progress>) =>
  Effect.runPromise(Effect.provide(e, ProgressSilent))
const runFlip = <A, E>(e: Effect.Effect<A, E, import("../../src/runtime/progress.ts").Progress>) =>
  Effect.runPromise(Effect.flip(Effect.provide(e, ProgressSilent)))

describe("table1 with a fake guard on a tiny benchmark", () => {
  it("scores every benchmark × language cell as computed by hand", async () => {
    const guard = fakeGuard()
    const { table1: r, predictions } = await run(evaluateGuard(guard, TINY_BENCHMARK, { batchSize: 3 }))
    expect(guard.batches).toEqual([3, 3, 2])
    expect(r.model).toEqual({ name: "fake", backend: "fake" })
    expect(r.threshold).toBe(0.5)

    const x = cellOf(r.ours, "xstest", "en")!
    expect({ n: x.n, nUnsafe: x.nUnsafe, tp: x.tp, fp: x.fp, tn: x.tn, fn: x.fn }).toEqual({
      n: 4, nUnsafe: 2, tp: 1, fp: 1, tn: 1, fn: 1
    })
    expect(x.f1).toBe(0.5)
    expect(x.precision).toBe(0.5)
    expect(x.recall).toBe(0.5)
    expect(x.fpr).toBe(0.5)
    expect(x.flagRate).toBe(0.5)
    expect(x.auprc).toBeCloseTo(5 / 6, 12)

    const s = cellOf(r.ours, "xsafety", "en")!
    expect(s.f1).toBeCloseTo(2 / 3, 12)
    expect(s.fpr).toBeNull()
    expect(s.auprc).toBe(1)

    const fr = cellOf(r.ours, "xstest", "fr")!
    expect(fr.f1).toBe(1)
    expect(fr.fpr).toBe(0)
    expect(cellOf(r.ours, "openai", "en")).toBeUndefined()

    // canonical order: languages, then benchmarks in the paper's order
    expect(r.ours.cells.map((c) => `${c.lang}/${c.benchmark}`)).toEqual(["en/xstest", "en/xsafety", "fr/xstest"])

    expect(averageOf(r.ours, "en")).toEqual({ lang: "en", avgF1: (0.5 + 2 / 3) / 2, benchmarks: 2, complete: false })
    expect(averageOf(r.ours, "fr")!.avgF1).toBe(1)
    expect(averageOf(r.ours, "de")).toBeUndefined()

    // per-row predictions keep the file's row index and label
    expect(predictions.map((p) => p.idx)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(predictions[4]).toEqual({ benchmark: "xstest", lang: "en", idx: 4, unsafe: 0.7, flagged: true, label: false })
  })

  it("computes the flag-everything baseline from the labels", () => {
    const r = computeTable1(TINY_BENCHMARK, TINY_BENCHMARK.map((row) => probabilityOf(row.text)), { name: "m", backend: "b" })
    expect(cellOf(r.flagEverything, "xstest", "en")!.f1).toBeCloseTo(2 / 3, 12)
    expect(cellOf(r.flagEverything, "xstest", "en")!.recall).toBe(1)
    expect(cellOf(r.flagEverything, "xstest", "en")!.flagRate).toBe(1)
    expect(cellOf(r.flagEverything, "xsafety", "en")!.f1).toBe(1)
    expect(cellOf(r.flagEverything, "xstest", "fr")!.f1).toBeCloseTo(2 / 3, 12)
    expect(averageOf(r.flagEverything, "en")!.avgF1).toBeCloseTo(5 / 6, 12)
  })

  it("collects Figure 9 data: the probabilities of false positives and false negatives", () => {
    const r = computeTable1(TINY_BENCHMARK, TINY_BENCHMARK.map((row) => probabilityOf(row.text)), { name: "m", backend: "b" })
    const nonEmpty = r.figure9.bins.filter((b) => b.count > 0)
    // en: one FP at .7, FNs at .3 and .2; fr: no errors
    expect(nonEmpty).toEqual([
      { kind: "false positive", lang: "en", lo: 0.7, hi: 0.75, count: 1 },
      { kind: "false negative", lang: "en", lo: 0.2, hi: 0.25, count: 1 },
      { kind: "false negative", lang: "en", lo: 0.3, hi: 0.35, count: 1 }
    ])
    // 20 bins per kind × language present (en, fr)
    expect(r.figure9.bins.length).toBe(2 * 2 * 20)
    const fn = r.figure9.summary.find((s) => s.kind === "false negative" && s.lang === "en")!
    expect(fn.count).toBe(2)
    expect(fn.median).toBeCloseTo(0.25, 12)
    expect(fn.confidentShare).toBe(0)
    const frFp = r.figure9.summary.find((s) => s.kind === "false positive" && s.lang === "fr")!
    expect(frFp).toEqual({ kind: "false positive", lang: "fr", count: 0, median: null, confidentShare: null })
  })

  it("carries the paper's rows and the result round-trips through its Schema", () => {
    const r = computeTable1(TINY_BENCHMARK, TINY_BENCHMARK.map((row) => probabilityOf(row.text)), { name: "m", backend: "b" })
    expect(r.paper.length).toBe(PAPER_TABLE1.length)
    const json = JSON.parse(JSON.stringify(Schema.encodeSync(Table1Result)(r)))
    expect(Schema.decodeUnknownSync(Table1Result)(json)).toEqual(r)
  })

  it("rejects scores that are not probabilities, and mismatched lengths", () => {
    expect(() => computeTable1(TINY_BENCHMARK, TINY_BENCHMARK.map(() => 1.5), { name: "m", backend: "b" })).toThrow(
      /row 0 is 1.5/
    )
    expect(() => computeTable1(TINY_BENCHMARK, [0.1], { name: "m", backend: "b" })).toThrow(/8 rows but 1 scores/)
  })
})

describe("the paper's reference rows", () => {
  it("each quoted average matches the mean of its quoted cells (catches typos)", () => {
    for (const r of PAPER_TABLE1) {
      if (!r.f1Pct) continue
      const mean = BENCHMARKS.reduce((s, b) => s + r.f1Pct![b], 0) / BENCHMARKS.length
      expect(Math.abs(mean - r.avgF1Pct), `${r.model} ${r.lang}`).toBeLessThanOrEqual(0.05)
    }
  })
})

describe("evaluateGuard rejects answers it cannot score", () => {
  it("wrong number of predictions", async () => {
    const guard = fakeGuard("models/x", (ps) => ps.slice(1))
    const err = await runFlip(evaluateGuard(guard, TINY_BENCHMARK, { batchSize: 4 }))
    expect(err._tag).toBe("EvalError")
    expect(err.message).toContain("guard returned 3 predictions for 4 texts (rows 0..3)")
  })

  it("a NaN probability, naming the row", async () => {
    const guard = fakeGuard("models/x", (ps) => ps.map((p, i) => (i === 2 ? { ...p, unsafe: Number.NaN } : p)))
    const err = await runFlip(evaluateGuard(guard, TINY_BENCHMARK, { batchSize: 4 }))
    expect(err.message).toContain("row 2 (xstest/fr)")
    expect(err.message).toContain("unsafe")
  })

  it("flagged that contradicts unsafe > 0.5", async () => {
    const guard = fakeGuard("models/x", (ps) => ps.map((p) => ({ ...p, flagged: true })))
    const err = await runFlip(evaluateGuard(guard, TINY_BENCHMARK, { batchSize: 8 }))
    expect(err.message).toContain("row 3 (xstest/en): guard says flagged=true but unsafe=0.3")
  })

  it("a bad batch size", async () => {
    const err = await runFlip(evaluateGuard(fakeGuard(), TINY_BENCHMARK, { batchSize: 0 }))
    expect(err.message).toContain("batch size must be a positive integer, got 0")
  })

  it("passes the guard's own error through", async () => {
    const failing = { ...fakeGuard(), classify: () => Effect.fail({ _tag: "GuardError", reason: "boom" } as const) }
    const err = await runFlip(evaluateGuard(failing, TINY_BENCHMARK))
    expect(err).toEqual({ _tag: "GuardError", reason: "boom" })
  })

  it("predictionFor builds schema-valid predictions (sanity of the fixture)", () => {
    expect(predictionFor(0.7).flagged).toBe(true)
    expect(predictionFor(0.5).flagged).toBe(false)
  })
})
