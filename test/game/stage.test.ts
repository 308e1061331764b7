import { describe, expect, it } from "vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { isStageDone, stage } from "../../src/game/stage.ts"
import { writeFileAtomic } from "../../src/data/parquet.ts"
import { tempDir } from "../support/temp-dir.ts"

const mk = (dir: string, counter: { n: number }, key: unknown, fail = false) =>
  stage({
    name: "double",
    dir,
    key,
    outputs: ["out.json"],
    run: Effect.gen(function* () {
      counter.n++
      if (fail) return yield* Effect.fail("boom" as const)
      yield* writeFileAtomic(path.join(dir, "out.json"), JSON.stringify({ v: 21 * 2 }))
    }),
    load: Effect.sync(() => JSON.parse(fs.readFileSync(path.join(dir, "out.json"), "utf8")).v as number)
  })

describe("stage", () => {
  it("runs once, then resumes from its marker", async () => {
    const dir = tempDir("stage")
    const c = { n: 0 }
    expect(await Effect.runPromise(mk(dir, c, { a: 1 }))).toBe(42)
    expect(await Effect.runPromise(mk(dir, c, { a: 1 }))).toBe(42)
    expect(c.n).toBe(1)
    expect(isStageDone(dir, "double", { a: 1 })).toBe(true)
  })

  it("reruns when the key changes or an output was altered", async () => {
    const dir = tempDir("stage")
    const c = { n: 0 }
    await Effect.runPromise(mk(dir, c, { a: 1 }))
    await Effect.runPromise(mk(dir, c, { a: 2 }))
    expect(c.n).toBe(2)
    fs.writeFileSync(path.join(dir, "out.json"), "{\"v\": 0}")
    expect(await Effect.runPromise(mk(dir, c, { a: 2 }))).toBe(42)
    expect(c.n).toBe(3)
  })

  it("a failed stage leaves no marker, so the rerun redoes it", async () => {
    const dir = tempDir("stage")
    const c = { n: 0 }
    await Effect.runPromise(Effect.either(mk(dir, c, { a: 1 }, true)))
    expect(isStageDone(dir, "double", { a: 1 })).toBe(false)
    expect(await Effect.runPromise(mk(dir, c, { a: 1 }))).toBe(42)
  })

  it("fails clearly when a declared output is missing", async () => {
    const dir = tempDir("stage")
    const s = stage({ name: "lazy", dir, key: 1, outputs: ["x.parquet"], run: Effect.void, load: Effect.void })
    const e = await Effect.runPromise(Effect.flip(s))
    expect(e.message).toContain("x.parquet was not written")
  })
})

describe("stage markers cover every file the stage writes", () => {
  // Like `evaluate`: one declared file, the rest of a report folder written beside it.
  const report = (dir: string, counter: { n: number }, outputs: ReadonlyArray<string>) =>
    stage({
      name: "report",
      dir,
      key: 1,
      outputs,
      run: Effect.gen(function* () {
        counter.n++
        yield* writeFileAtomic(path.join(dir, "eval", "table1.json"), "{}")
        yield* writeFileAtomic(path.join(dir, "eval", "predictions.parquet"), "rows")
        yield* writeFileAtomic(path.join(dir, "eval", "charts", "f1.svg"), "<svg/>")
      }),
      load: Effect.void
    })

  for (const outputs of [["eval/table1.json"], ["eval/"]]) {
    it(`reruns when a written file is deleted or edited (outputs ${JSON.stringify(outputs)})`, async () => {
      const dir = tempDir("stage")
      const c = { n: 0 }
      await Effect.runPromise(report(dir, c, outputs))
      await Effect.runPromise(report(dir, c, outputs))
      expect(c.n).toBe(1)
      fs.rmSync(path.join(dir, "eval", "predictions.parquet"))
      expect(isStageDone(dir, "report", 1)).toBe(false)
      await Effect.runPromise(report(dir, c, outputs))
      expect(c.n).toBe(2)
      expect(fs.existsSync(path.join(dir, "eval", "predictions.parquet"))).toBe(true)
      fs.writeFileSync(path.join(dir, "eval", "charts", "f1.svg"), "<svg>edited</svg>")
      await Effect.runPromise(report(dir, c, outputs))
      expect(c.n).toBe(3)
      expect(fs.readFileSync(path.join(dir, "eval", "charts", "f1.svg"), "utf8")).toBe("<svg/>")
    })
  }

  it("does not claim files it did not write", async () => {
    const dir = tempDir("stage")
    fs.writeFileSync(path.join(dir, "notes.txt"), "mine")
    await Effect.runPromise(report(dir, { n: 0 }, ["eval/"]))
    const marker = JSON.parse(fs.readFileSync(path.join(dir, "report.done.json"), "utf8"))
    expect(Object.keys(marker.outputs).sort()).toEqual(["eval/charts/f1.svg", "eval/predictions.parquet", "eval/table1.json"])
  })
})
