/** The batch CLI contract: one output line per input line, in order, ids kept, bad rows reported. */
import { beforeAll, describe, expect, it } from "vitest"
import { Effect, Layer } from "effect"
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { promisify } from "node:util"
import { rowsToTable, writeParquet } from "../../src/data/parquet.ts"
import { parseJsonl } from "../../src/guard/batch.ts"
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
  JSON.stringify({ text: "murder the dog" }), // no id → its row index, 1
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
    expect(rows.map((x) => x.id)).toEqual(["a", 1, 2, 7, 4, "missing", "empty", "huge", 8, 9])
    const errors = rows.map((x) => ("error" in x ? x.error : null))
    expect(errors[2]).toMatch(/row 2: invalid JSON/)
    expect(errors[3]).toMatch(/row 3: "text" is number/)
    expect(errors[4]).toMatch(/row 4: blank line/)
    expect(errors[5]).toMatch(/row 5: missing "text"/)
    expect(errors[8]).toMatch(/row 8: not a JSON object/)
    for (const i of [0, 1, 6, 7, 9]) {
      const p = rows[i]
      expect(Object.keys(p)).toEqual(["id", "unsafe", "flagged", "categories"])
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
    expect(rows[0]).toEqual({ id: 0, text: "a" })
    expect("error" in rows[1]).toBe(true)
    expect(rows[2]).toEqual({ id: 2, text: "b" })
    expect(parseJsonl("")).toEqual([])
  })
})
