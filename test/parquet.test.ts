import { describe, expect, it } from "vitest"
import { Effect, Schema } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { columnsOf, type ColumnSpec, decodeRows, encodeParquet, readParquet, readRows, rowsToTable, tableToRows, writeFileAtomic, writeParquet } from "../src/data/parquet.ts"
import { BenchmarkRow, Example } from "../schemas/index.ts"
import { BENCHMARK_COLUMNS, EXAMPLE_COLUMNS } from "../src/data/tables.ts"
import { PREDICTION_COLUMNS, PredictionRow } from "../src/eval/evaluate.ts"
import { PROPOSAL_COLUMNS, ProposalRow } from "../src/generator/proposals.ts"
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

describe("table columns follow the row Schema", () => {
  const tables = [
    ["Example", Example, EXAMPLE_COLUMNS],
    ["BenchmarkRow", BenchmarkRow, BENCHMARK_COLUMNS],
    ["PredictionRow", PredictionRow, PREDICTION_COLUMNS],
    ["ProposalRow", ProposalRow, PROPOSAL_COLUMNS]
  ] as const
  const fieldsOf = (s: Schema.Schema.Any): Array<string> => {
    let ast = s.ast
    while (ast._tag === "Refinement") ast = ast.from
    return ast._tag === "TypeLiteral" ? ast.propertySignatures.map((p) => String(p.name)) : []
  }

  it.each(tables)("%s: one column per field, in the Schema's order", (_, schema, columns) => {
    expect(fieldsOf(schema).length).toBeGreaterThan(0)
    expect(Object.keys(columns)).toEqual(fieldsOf(schema))
  })

  it("maps field types to the Parquet types the files have always had", () => {
    expect(EXAMPLE_COLUMNS).toEqual({
      id: "utf8", text: "utf8", lang: "utf8", unsafe: "bool", categories: "list<utf8>", source: "utf8",
      license: "utf8", split: "utf8", origin: "utf8", parent_id: "utf8?", iteration: "int32"
    })
    expect(BENCHMARK_COLUMNS.categories).toBe("list<utf8>?")
    expect(PROPOSAL_COLUMNS.untranslated).toBe("float64?")
  })

  it("writes every field: a row read back has all of the Schema's fields", async () => {
    const file = path.join(tempDir("pq-cols"), "x.parquet")
    await Effect.runPromise(writeParquet(file, rowsToTable([row()], EXAMPLE_COLUMNS)))
    const back = tableToRows(await Effect.runPromise(readParquet(file)))
    expect(Object.keys(back[0])).toEqual(fieldsOf(Example))
  })

  it("throws on a field with no column type instead of dropping it", () => {
    expect(() => columnsOf(Schema.Struct({ id: Schema.String, when: Schema.Date }))).toThrow(/field "when"/)
    expect(() => columnsOf(Schema.Struct({ id: Schema.String, note: Schema.optional(Schema.String) }))).toThrow(/field "note"/)
    expect(() => columnsOf(Schema.Struct({ flags: Schema.Array(Schema.Boolean) }))).toThrow(/field "flags"/)
  })

  it("a hand-written spec that leaves a field out does not type-check", () => {
    // @ts-expect-error `b` is missing: a forgotten column is a type error, not a silent drop
    const spec: ColumnSpec<{ a: string; b: number }> = { a: "utf8" }
    expect(spec).toEqual({ a: "utf8" })
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
