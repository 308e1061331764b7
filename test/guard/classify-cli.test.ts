/** The batch CLI contract: one output line per input line, in order, ids kept, bad rows reported. */
import { beforeAll, describe, expect, it } from "vitest"
import { Effect, Layer } from "effect"
import { execFile, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { promisify } from "node:util"
import { rowsToTable, writeParquet } from "../../src/data/parquet.ts"
import { classifySource, openInput, parseJsonl, readInput } from "../../src/guard/batch.ts"
import type { Guard } from "../../src/guard/guard.ts"
import type { Prediction } from "../../schemas/prediction.ts"
import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api"
import { saveGuard } from "../../src/guard/storage.ts"
import { trainGuard } from "../../src/guard/train.ts"
import { BackendLive } from "../../src/runtime/backend.ts"
import { ProgressSilent } from "../../src/runtime/progress.ts"
import { CATEGORY_IDS } from "../../schemas/taxonomy.ts"
import { syntheticRows, tinyConfig } from "./fixtures.ts"
import { tempDir } from "../support/temp-dir.ts"

const run = promisify(execFile)
const repoRoot = path.resolve(import.meta.dirname, "../..")
const dir = tempDir("guard-cli")
const modelDir = path.join(dir, "model")

const classify = (args: Array<string>) =>
  run("npx", ["tsx", "pipelines/classify.ts", ...args, "--model", modelDir], { cwd: repoRoot, maxBuffer: 64 << 20 }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr })
  )

beforeAll(async () => {
  const env = Layer.merge(BackendLive({ log: () => {} }), ProgressSilent)
  const trained = await Effect.runPromise(
    trainGuard(syntheticRows(600, 1), syntheticRows(150, 2), tinyConfig(), 5).pipe(Effect.provide(env))
  )
  await Effect.runPromise(saveGuard(trained, modelDir))
})

const lines = [
  JSON.stringify({ id: "a", text: "the cat read a book" }),
  JSON.stringify({ text: "murder the dog" }), // no id → "id": null, "row": 1
  "{not json",
  JSON.stringify({ id: 7, text: 42 }),
  "",
  JSON.stringify({ id: "missing" }),
  JSON.stringify({ id: "empty", text: "" }),
  JSON.stringify({ id: "huge", text: `${"garden ".repeat(150_000)}murder` }), // ~1 MB
  JSON.stringify([1, 2]),
  JSON.stringify({ id: null, text: "subhuman vermin" })
]

describe("pipelines/classify.ts", () => {
  it("writes exactly one line per input line, in order, with ids and per-row errors", async () => {
    const input = path.join(dir, "in.jsonl")
    const output = path.join(dir, "out.jsonl")
    fs.writeFileSync(input, `${lines.join("\n")}\n`)
    const r = await classify(["--input", input, "--output", output])
    expect(r.code, r.stderr).toBe(0)
    const out = fs.readFileSync(output, "utf8").split("\n")
    expect(out.pop()).toBe("")
    expect(out.length).toBe(lines.length)
    const rows = out.map((l) => JSON.parse(l))
    expect(rows.map((x) => x.id)).toEqual(["a", null, null, 7, null, "missing", "empty", "huge", null, null])
    // A row without a readable id is known by its row number, apart from any real id.
    expect(rows.map((x) => x.row)).toEqual([undefined, 1, 2, undefined, 4, undefined, undefined, undefined, 8, 9])
    const errors = rows.map((x) => ("error" in x ? x.error : null))
    expect(errors[2]).toMatch(/row 2: invalid JSON/)
    expect(errors[3]).toMatch(/row 3: "text" is number/)
    expect(errors[4]).toMatch(/row 4: blank line/)
    expect(errors[5]).toMatch(/row 5: missing "text"/)
    expect(errors[8]).toMatch(/row 8: not a JSON object/)
    for (const i of [0, 1, 6, 7, 9]) {
      const p = rows[i]
      expect(Object.keys(p)).toEqual(p.id === null ? ["id", "row", "unsafe", "flagged", "categories"] : ["id", "unsafe", "flagged", "categories"])
      expect(Object.keys(p.categories)).toEqual([...CATEGORY_IDS])
      expect(p.unsafe).toBeCloseTo(Math.max(...Object.values(p.categories as Record<string, number>)), 5)
      expect(p.flagged).toBe(p.unsafe > 0.5)
    }
    expect(rows[0].flagged).toBe(false)
    expect(rows[1].flagged).toBe(true)
    expect(rows[9].flagged).toBe(true)
    expect(fs.readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([])
  })

  it("reads Parquet with a text column (ids from an id column)", async () => {
    const input = path.join(dir, "in.parquet")
    const output = path.join(dir, "out-pq.jsonl")
    const table = rowsToTable(
      [
        { id: "p1", text: "murder the dog" },
        { id: "p2", text: "the cat read a book" },
        { id: "p3", text: null }
      ],
      { id: "utf8", text: "utf8?" }
    )
    await Effect.runPromise(writeParquet(input, table))
    const r = await classify(["--input", input, "--output", output])
    expect(r.code, r.stderr).toBe(0)
    const rows = fs.readFileSync(output, "utf8").trim().split("\n").map((l) => JSON.parse(l))
    expect(rows.map((x) => x.id)).toEqual(["p1", "p2", "p3"])
    expect(rows[0].flagged).toBe(true)
    expect(rows[1].flagged).toBe(false)
    expect(rows[2].error).toMatch(/"text" is null/)
  })

  it("exits non-zero, naming the file, when the input cannot be read", async () => {
    const r = await classify(["--input", path.join(dir, "nope.jsonl"), "--output", path.join(dir, "x.jsonl")])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/nope\.jsonl/)
    expect(fs.existsSync(path.join(dir, "x.jsonl"))).toBe(false)
  })

  it("a wrong command line gets @effect/cli's message once, no error log dump, exit 1", async () => {
    const r = await classify(["--input", path.join(dir, "in.jsonl")])
    expect(r.code).toBe(1)
    expect(r.stderr.match(/Expected to find option: '--output'/g)).toHaveLength(1)
    expect(r.stderr).not.toMatch(/"_tag"|ERROR \(#/)
  })
})

describe("parseJsonl", () => {
  it("counts blank lines and CRLF lines as rows, but not the final newline", () => {
    const rows = parseJsonl('{"text":"a"}\r\n\n{"text":"b"}\n')
    expect(rows.length).toBe(3)
    expect(rows[0]).toEqual({ row: 0, id: null, text: "a" })
    expect("error" in rows[1]).toBe(true)
    expect(rows[2]).toEqual({ row: 2, id: null, text: "b" })
    expect(parseJsonl("")).toEqual([])
  })
  it("skips a UTF-8 byte-order mark and keeps each id's JSON text", () => {
    const rows = parseJsonl('\uFEFF{"id":9007199254740993,"text":"a"}\n{"text":"b","id" : [1, {"k":"}\\""}] }\n{"id":1,"\\u0069d":2e0,"text":"c"}\n')
    expect(rows).toEqual([
      { row: 0, id: "9007199254740993", text: "a" },
      { row: 1, id: '[1, {"k":"}\\""}]', text: "b" },
      { row: 2, id: "2e0", text: "c" }
    ])
  })
})

describe("reading and writing without the CLI", () => {
  const fakeGuard = (calls: Array<number>): Guard => ({
    modelDir: "(fake)",
    backend: "none",
    classify: (texts) =>
      Effect.sync(() => {
        calls.push(texts.length)
        return texts.map(() => ({ unsafe: 0.25, flagged: false, categories: Object.fromEntries(CATEGORY_IDS.map((c) => [c, 0.25])) as Prediction["categories"] }))
      }),
    classifyConversation: () => Effect.die("unused")
  })

  it("streams a JSONL file with a byte-order mark, ids kept as written", async () => {
    const file = path.join(dir, "bom.jsonl")
    fs.writeFileSync(file, '\uFEFF{"id":9007199254740993,"text":"a"}\r\n{"id":1e400,"text":"b"}\n{"text":"c"}')
    const rows = await Effect.runPromise(readInput(file))
    expect(rows).toEqual([
      { row: 0, id: "9007199254740993", text: "a" },
      { row: 1, id: "1e400", text: "b" },
      { row: 2, id: null, text: "c" }
    ])
    const out = path.join(dir, "bom-out.jsonl")
    await Effect.runPromise(Effect.flatMap(openInput(file), (s) => classifySource(fakeGuard([]), s, out)).pipe(Effect.provide(ProgressSilent)))
    const text = fs.readFileSync(out, "utf8").split("\n")
    expect(text[0]).toMatch(/^\{"id":9007199254740993,"unsafe":0.25,/)
    expect(text[1]).toMatch(/^\{"id":1e400,"unsafe"/)
    expect(text[2]).toMatch(/^\{"id":null,"row":2,"unsafe"/)
  })

  it("renders Parquet ids as lossless JSON: big integers, decimals, structs and lists of BIGINT", async () => {
    const file = path.join(dir, "ids.parquet")
    const conn = await DuckDBConnection.create(await DuckDBInstance.create(":memory:"))
    await conn.run(
      `copy (select * from (values
         (1, 9007199254740993::BIGINT, 15.00::DECIMAL(38,2), {'a': 9007199254740993::BIGINT, 'b': 'x'}, [1::BIGINT, -2], 'murder'),
         (2, -5::BIGINT, -0.05::DECIMAL(38,2), NULL, [], 'hi'),
         (3, NULL, 123456789012345678901234567890.12::DECIMAL(38,2), {'a': NULL, 'b': NULL}, NULL, NULL)
       ) t(n, big, dec, st, li, text) order by n) to '${file}' (format parquet)`
    )
    conn.closeSync()
    const idsOf = async (column: string) => {
      const renamed = path.join(dir, `ids-${column}.parquet`)
      const c = await DuckDBConnection.create(await DuckDBInstance.create(":memory:"))
      await c.run(`copy (select ${column} as id, text from read_parquet('${file}') order by n) to '${renamed}' (format parquet)`)
      c.closeSync()
      return (await Effect.runPromise(readInput(renamed))).map((r) => r.id)
    }
    expect(await idsOf("big")).toEqual(["9007199254740993", "-5", null])
    expect(await idsOf("dec")).toEqual(["15.00", "-0.05", "123456789012345678901234567890.12"])
    expect(await idsOf("st")).toEqual(['{"a":9007199254740993,"b":"x"}', null, '{"a":null,"b":null}'])
    expect(await idsOf("li")).toEqual(["[1,-2]", "[]", null])
    // The whole run: no "Do not know how to serialize a BigInt", every line valid JSON.
    const renamed = path.join(dir, "ids-st.parquet")
    const out = path.join(dir, "ids-out.jsonl")
    await Effect.runPromise(Effect.flatMap(openInput(renamed), (s) => classifySource(fakeGuard([]), s, out)).pipe(Effect.provide(ProgressSilent)))
    const lines = fs.readFileSync(out, "utf8").trim().split("\n")
    expect(lines[0]).toMatch(/^\{"id":\{"a":9007199254740993,"b":"x"\},"unsafe"/)
    expect(JSON.parse(lines[1])).toMatchObject({ id: null, row: 1 })
    expect(JSON.parse(lines[2])).toMatchObject({ id: { a: null, b: null }, error: 'row 2: "text" is null, not a string' })
  })

  it("refuses an output path that is a folder before any work, leaving no temp file", async () => {
    const file = path.join(dir, "small.jsonl")
    fs.writeFileSync(file, '{"text":"a"}\n')
    const outDir = tempDir("guard-cli-outdir")
    const calls: Array<number> = []
    const e = await Effect.runPromise(
      Effect.flip(Effect.flatMap(openInput(file), (s) => classifySource(fakeGuard(calls), s, outDir)).pipe(Effect.provide(ProgressSilent)))
    )
    expect(e.message).toMatch(/folder/)
    expect(calls).toEqual([])
    expect(fs.readdirSync(path.dirname(outDir)).filter((f) => f.startsWith(path.basename(outDir)) && f.endsWith(".tmp"))).toEqual([])
  })

  it("reads a large JSONL in bounded batches: the heap stays small while rows grow", () => {
    // 400k rows (~80 MB) under a 64 MB heap: reading the file whole, as before, runs out.
    const file = path.join(dir, "big.jsonl")
    const fd = fs.openSync(file, "w")
    const line = (i: number) => `{"id":${i},"text":"the quick brown fox number ${i} jumps over the lazy dog ${"and again ".repeat(10)}"}\n`
    for (let from = 0; from < 400_000; from += 10_000) fs.writeSync(fd, Array.from({ length: 10_000 }, (_, k) => line(from + k)).join(""))
    fs.closeSync(fd)
    const script = `
      import { Effect } from "effect"
      import { openInput } from "./src/guard/batch.ts"
      const source = await Effect.runPromise(openInput(${JSON.stringify(file)}))
      let rows = 0, maxBatch = 0
      for await (const b of source.batches()) { rows += b.rows.length; maxBatch = Math.max(maxBatch, b.rows.length) }
      console.log(JSON.stringify({ rows, maxBatch, heapMB: process.memoryUsage().heapUsed / 2 ** 20 }))`
    const r = spawnSync(process.execPath, ["--max-old-space-size=64", "--import", "tsx", "--input-type=module", "-e", script], { cwd: repoRoot, encoding: "utf8" })
    expect(r.status, r.stderr).toBe(0)
    const res = JSON.parse(r.stdout.trim().split("\n").pop()!)
    expect(res.rows).toBe(400_000)
    expect(res.maxBatch).toBeLessThanOrEqual(4096)
  }, 60_000)
})
