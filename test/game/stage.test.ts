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
