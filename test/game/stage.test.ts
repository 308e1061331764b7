import { describe, expect, it } from "vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { fromFiles, isStageDone, setting, stage, type Inputs } from "../../src/game/stage.ts"
import { writeFileAtomic } from "../../src/data/parquet.ts"
import { tempDir } from "../support/temp-dir.ts"

const mk = (dir: string, counter: { n: number }, a: number, fail = false) =>
  stage({
    name: "double",
    dir,
    inputs: { a: setting(a) },
    outputs: ["out.json"],
    run: () =>
      Effect.gen(function* () {
        counter.n++
        if (fail) return yield* Effect.fail("boom" as const)
        yield* writeFileAtomic(path.join(dir, "out.json"), JSON.stringify({ v: 21 * 2 }))
      })
  })
const out = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, "out.json"), "utf8")).v as number

describe("stage", () => {
  it("runs once, then resumes from its marker", async () => {
    const dir = tempDir("stage")
    const c = { n: 0 }
    await Effect.runPromise(mk(dir, c, 1))
    await Effect.runPromise(mk(dir, c, 1))
    expect(out(dir)).toBe(42)
    expect(c.n).toBe(1)
    expect(isStageDone(dir, "double", { a: setting(1) })).toBe(true)
  })

  it("reruns when the key changes or an output was altered", async () => {
    const dir = tempDir("stage")
    const c = { n: 0 }
    await Effect.runPromise(mk(dir, c, 1))
    await Effect.runPromise(mk(dir, c, 2))
    expect(c.n).toBe(2)
    fs.writeFileSync(path.join(dir, "out.json"), "{\"v\": 0}")
    await Effect.runPromise(mk(dir, c, 2))
    expect(out(dir)).toBe(42)
    expect(c.n).toBe(3)
  })

  it("a failed stage leaves no marker, so the rerun redoes it", async () => {
    const dir = tempDir("stage")
    const c = { n: 0 }
    await Effect.runPromise(Effect.either(mk(dir, c, 1, true)))
    expect(isStageDone(dir, "double", { a: setting(1) })).toBe(false)
    await Effect.runPromise(mk(dir, c, 1))
    expect(out(dir)).toBe(42)
  })

  it("fails clearly when a declared output is missing", async () => {
    const dir = tempDir("stage")
    const s = stage({ name: "lazy", dir, inputs: {}, outputs: ["x.parquet"], run: () => Effect.void })
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
      inputs: {},
      outputs,
      run: () =>
        Effect.gen(function* () {
          counter.n++
          yield* writeFileAtomic(path.join(dir, "eval", "table1.json"), "{}")
          yield* writeFileAtomic(path.join(dir, "eval", "predictions.parquet"), "rows")
          yield* writeFileAtomic(path.join(dir, "eval", "charts", "f1.svg"), "<svg/>")
        })
    })

  for (const outputs of [["eval/table1.json"], ["eval/"]]) {
    it(`reruns when a written file is deleted or edited (outputs ${JSON.stringify(outputs)})`, async () => {
      const dir = tempDir("stage")
      const c = { n: 0 }
      await Effect.runPromise(report(dir, c, outputs))
      await Effect.runPromise(report(dir, c, outputs))
      expect(c.n).toBe(1)
      fs.rmSync(path.join(dir, "eval", "predictions.parquet"))
      expect(isStageDone(dir, "report", {})).toBe(false)
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

describe("the resume key is made of the declared inputs", () => {
  /** A stage that copies its file input, upper-cased, and counts its runs and its reads of the input. */
  const copy = (dir: string, input: string, upper: boolean, counter: { runs: number; reads: number }) => {
    const inputs = {
      text: fromFiles([input], Effect.sync(() => (counter.reads++, fs.readFileSync(input, "utf8")))),
      upper: setting(upper)
    } satisfies Inputs
    return stage({
      name: "copy",
      dir,
      inputs,
      outputs: ["copy.txt"],
      run: ({ text, upper }) => Effect.suspend(() => (counter.runs++, writeFileAtomic(path.join(dir, "copy.txt"), upper ? text.toUpperCase() : text)))
    })
  }

  it("reruns when any declared input changes, resumes (without reading them) when none does", async () => {
    const dir = tempDir("stage")
    const input = path.join(tempDir("stage-input"), "in.txt")
    fs.writeFileSync(input, "a")
    const c = { runs: 0, reads: 0 }
    const play = (upper: boolean) => Effect.runPromise(copy(dir, input, upper, c))
    await play(false)
    await play(false)
    expect(c).toEqual({ runs: 1, reads: 1 })
    fs.writeFileSync(input, "b") // the file's bytes
    await play(false)
    expect(c.runs).toBe(2)
    expect(fs.readFileSync(path.join(dir, "copy.txt"), "utf8")).toBe("b")
    await play(true) // a setting
    expect(c.runs).toBe(3)
    expect(fs.readFileSync(path.join(dir, "copy.txt"), "utf8")).toBe("B")
    fs.rmSync(input) // a file that went missing counts as changed (the run then fails, naming it)
    expect(isStageDone(dir, "copy", { text: fromFiles([input], Effect.void), upper: setting(true) })).toBe(false)
  })

  it("does not depend on the order the inputs are declared in, nor on where the input files lie", async () => {
    const [a, b] = [tempDir("stage-input"), tempDir("stage-input")].map((d) => path.join(d, "in.txt"))
    fs.writeFileSync(a, "same")
    fs.writeFileSync(b, "same")
    const dir = tempDir("stage")
    await Effect.runPromise(copy(dir, a, true, { runs: 0, reads: 0 }))
    expect(isStageDone(dir, "copy", { upper: setting(true), text: fromFiles([b], Effect.void) })).toBe(true)
  })
})
