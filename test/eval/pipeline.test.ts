import { describe, expect, it } from "vitest"
import { Effect, Schema } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { RunManifest } from "../../schemas/index.ts"
import { rowsToTable, writeParquet } from "../../src/data/parquet.ts"
import { BENCHMARK_COLUMNS } from "../../src/data/tables.ts"
import { ProgressSilent } from "../../src/runtime/progress.ts"
import { MANIFEST_FILE, runEvaluation, type EvaluationPaths } from "../../src/eval/pipeline.ts"
import { readTable1Json } from "../../src/eval/report.ts"
import { fakeGuard, TINY_BENCHMARK } from "./fixtures.ts"
import { tempDir } from "../support/temp-dir.ts"

/** A throwaway repo: a model folder, a benchmark table and a README with the table1 markers. */
const makeRepo = async (): Promise<EvaluationPaths> => {
  const repoRoot = tempDir("eval-repo")
  const modelDir = path.join(repoRoot, "models", "tiny")
  fs.mkdirSync(modelDir, { recursive: true })
  fs.writeFileSync(path.join(modelDir, "weights.bin"), "not really weights")
  const benchmarksFile = path.join(repoRoot, "datasets", "benchmarks.parquet")
  await Effect.runPromise(writeParquet(benchmarksFile, rowsToTable(TINY_BENCHMARK, BENCHMARK_COLUMNS)))
  const readme = path.join(repoRoot, "README.md")
  fs.writeFileSync(readme, "# x\n<!-- table1:start -->\n<!-- table1:end -->\n")
  return { repoRoot, modelDir, benchmarksFile, outDir: path.join(repoRoot, "reports", "tiny"), readme }
}

const run = <A, E>(e: Effect.Effect<A, E, import("../../src/runtime/progress.ts").Progress>) =>
  Effect.runPromise(Effect.provide(e, ProgressSilent))

describe("runEvaluation", () => {
  it("writes the report folder, a manifest with repo-relative paths, and the README section", async () => {
    const p = await makeRepo()
    const out = await run(runEvaluation(fakeGuard(p.modelDir), p, { batchSize: 5 }))
    expect(out.files).toContain("predictions.parquet")
    for (const f of out.files) expect(fs.existsSync(path.join(p.outDir, f)), f).toBe(true)

    const table1 = await Effect.runPromise(readTable1Json(path.join(p.outDir, "table1.json")))
    expect(table1.model.name).toBe("tiny")
    expect(table1).toEqual(out.table1)

    const manifestText = fs.readFileSync(path.join(p.outDir, MANIFEST_FILE), "utf8")
    const manifest = Schema.decodeUnknownSync(RunManifest)(JSON.parse(manifestText))
    expect(manifest.inputs.map((i) => i.path)).toEqual(["datasets/benchmarks.parquet", "models/tiny/weights.bin"])
    expect(manifest.outputs.map((o) => o.path)).toContain("reports/tiny/table1.json")
    expect(manifest.config).toMatchObject({ threshold: 0.5, batchSize: 5, model: "models/tiny" })
    expect(manifestText).not.toContain(p.repoRoot) // no machine path in a committed file

    const readme = fs.readFileSync(p.readme!, "utf8")
    expect(readme).toContain("| **tiny (ours)** | 58.3* | 100.0* | – | – |")
    expect(readme).toContain("[reports/tiny/table1.md](reports/tiny/table1.md)")
    expect(readme.endsWith("<!-- table1:end -->\n")).toBe(true)
  })

  it("gives the same bytes when run twice", async () => {
    const p = await makeRepo()
    const { files } = await run(runEvaluation(fakeGuard(p.modelDir), p))
    const first = new Map(files.map((f) => [f, fs.readFileSync(path.join(p.outDir, f))] as const))
    await run(runEvaluation(fakeGuard(p.modelDir), p))
    expect(first.size).toBe(7) // table1.md, table1.json, 3 charts, predictions.parquet, manifest.json
    for (const [f, bytes] of first) expect(fs.readFileSync(path.join(p.outDir, f)).equals(bytes), f).toBe(true)
  })

  it("fails clearly when the model folder is missing", async () => {
    const p = await makeRepo()
    const missing = { ...p, modelDir: path.join(p.repoRoot, "models", "nope") }
    const err = await run(Effect.flip(runEvaluation(fakeGuard(missing.modelDir), missing)))
    expect(err._tag).toBe("MissingInputError")
    expect(err.message).toContain(`model folder not found: ${missing.modelDir}`)
    expect(err.message).toContain("--model")
    expect(fs.existsSync(p.outDir)).toBe(false)
  })

  it("fails clearly when the benchmark table is missing", async () => {
    const p = await makeRepo()
    const missing = { ...p, benchmarksFile: path.join(p.repoRoot, "nope.parquet") }
    const err = await run(Effect.flip(runEvaluation(fakeGuard(p.modelDir), missing)))
    expect(err.message).toContain("benchmark table not found")
    expect(err.message).toContain("nope.parquet")
  })

  it("names the row of a benchmark table that does not decode", async () => {
    const p = await makeRepo()
    const bad = TINY_BENCHMARK.map((r, i) => (i === 3 ? { ...r, lang: "pt" } : r))
    await Effect.runPromise(writeParquet(p.benchmarksFile, rowsToTable(bad, BENCHMARK_COLUMNS)))
    const err = await run(Effect.flip(runEvaluation(fakeGuard(p.modelDir), p)))
    expect(err.message).toContain("benchmarks.parquet, row 3")
    expect(err.message).toContain("lang")
  })

  it("fails on a README without the table1 markers before running the guard", async () => {
    const p = await makeRepo()
    fs.writeFileSync(p.readme!, "# no markers\n")
    const guard = fakeGuard(p.modelDir)
    const err = await run(Effect.flip(runEvaluation(guard, p)))
    expect(err._tag).toBe("ReadmeSectionError")
    expect(err.message).toContain("table1:start")
    expect(guard.batches).toEqual([])
    expect(fs.existsSync(p.outDir)).toBe(false)
    expect(fs.readFileSync(p.readme!, "utf8")).toBe("# no markers\n")
  })
})
