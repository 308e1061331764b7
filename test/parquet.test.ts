import { describe, expect, it } from "vitest"
import { Effect, Schema } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { decodeRows, encodeParquet, readRows, rowsToTable, writeFileAtomic, writeParquet } from "../src/data/parquet.ts"
import { Example } from "../schemas/index.ts"
import { EXAMPLE_COLUMNS } from "../src/data/tables.ts"
import { tempDir } from "./support/temp-dir.ts"

const row = (over: Partial<Example> = {}): Example => ({
  id: "a1", text: "hello", lang: "en", unsafe: false, categories: [], source: "test",
  license: "MIT", split: "train", origin: "seed", parent_id: null, iteration: 0, ...over
})

describe("parquet", () => {
  it("round-trips Example rows with list<utf8> and null columns", async () => {
    const dir = tempDir("pq")
    const file = path.join(dir, "x.parquet")
    const rows = [row(), row({ id: "b2", text: "bad", unsafe: true, categories: ["C1", "C9"], parent_id: "a1", iteration: 2 })]
    await Effect.runPromise(writeParquet(file, rowsToTable(rows, EXAMPLE_COLUMNS)))
    const back = await Effect.runPromise(readRows(Example, file))
    expect(back).toEqual(rows)
    expect(fs.readdirSync(dir)).toEqual(["x.parquet"]) // no temp file left behind
  })

  it("encodes deterministically", () => {
    const t = rowsToTable([row(), row({ id: "z" })], EXAMPLE_COLUMNS)
    expect(Buffer.from(encodeParquet(t)).equals(Buffer.from(encodeParquet(t)))).toBe(true)
  })

  it("names the file, row and field of a bad row", async () => {
    const bad = [row(), { ...row(), lang: "English" }] // not an ISO 639-1 code
    const err = await Effect.runPromise(Effect.flip(decodeRows(Example, bad, "f.parquet")))
    expect(err._tag).toBe("RowDecodeError")
    expect(err.message).toContain("f.parquet, row 1")
    expect(err.message).toContain("lang")
  })

  it("rejects unsafe rows without categories", async () => {
    const err = await Effect.runPromise(Effect.flip(decodeRows(Example, [row({ unsafe: true })], "g")))
    expect(err.message).toContain("categories")
  })
})

describe("writeFileAtomic", () => {
  it("leaves no temp file behind when the target cannot be replaced (a folder)", async () => {
    const dir = tempDir("atomic")
    const target = path.join(dir, "out.jsonl")
    fs.mkdirSync(target)
    const e = await Effect.runPromise(Effect.flip(writeFileAtomic(target, "x".repeat(1000))))
    expect(e.message).toContain("out.jsonl")
    expect(fs.readdirSync(dir)).toEqual(["out.jsonl"])
  })
})
