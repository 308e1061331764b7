/**
 * The main job end to end on a tiny configuration: it completes, it is reproducible (same seed
 * → the same bytes), and a run killed mid-stage resumes to the same bytes as an uninterrupted one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect } from "effect"
import { BenchmarkRow, Example } from "../../schemas/index.ts"
import { readRows, rowsToTable, writeParquet } from "../../src/data/parquet.ts"
import { stratifiedSample } from "../../src/data/sample.ts"
import { BENCHMARK_COLUMNS, EXAMPLE_COLUMNS } from "../../src/data/tables.ts"
import { Rng } from "../../src/runtime/rng.ts"
import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"

const repo = path.resolve(import.meta.dirname, "../..")
const tag = `test-${process.pid}`
const runDir = (name: string) => path.join(repo, "runs", `${tag}-${name}`)
// Small slices of the committed tables (stratified, seeded): the pipeline's fixed costs — reading
// 200k seed rows, scoring 46k benchmark rows per iteration — would dominate a tiny run.
const dataDir = path.join(repo, "runs", `${tag}-data`)
const seedFile = path.join(dataDir, "seed.parquet")
const benchFile = path.join(dataDir, "benchmarks.parquet")
const TINY = [
  "--quick",
  "--seed-file", seedFile,
  "--benchmarks", benchFile,
  "--set", "seedsPerIteration=40",
  "--set", "proposalsPerSeed=3",
  "--set", "foolingSeeds=20",
  "--set", "maxSeedTrainRows=2500"
]
const args = (name: string) => ["tsx", "pipelines/selfplay.ts", ...TINY, "--set", `runId=${tag}-${name}`]

const run = (name: string) => spawnSync("npx", args(name), { cwd: repo, encoding: "utf8", env: { ...process.env, CI: "1" } })

/** Start a run and kill it once `marker` appears in its log (plus a short delay: mid-stage). */
const runAndKill = (name: string, marker: string, delayMs: number) =>
  new Promise<void>((resolve) => {
    const child = spawn("npx", args(name), { cwd: repo, env: { ...process.env, CI: "1" }, detached: true })
    let log = ""
    const onData = (d: Buffer) => {
      log += d.toString()
      if (log.includes(marker)) {
        child.stdout.off("data", onData)
        child.stderr.off("data", onData)
        setTimeout(() => process.kill(-child.pid!, "SIGKILL"), delayMs)
      }
    }
    child.stdout.on("data", onData)
    child.stderr.on("data", onData)
    child.on("exit", () => resolve())
  })

const ARTIFACTS = ["iter-1/seeds.parquet", "iter-1/proposals.parquet", "iter-1/candidates.parquet", "iter-1/judged.parquet",
  "iter-1/policy.json", "iter-1/synthetic.parquet", "iter-1/guard/weights.bin", "iter-1/eval/table1.json",
  "crosslingual-dev.json", "iter-0/crosslingual.json", "iter-1/crosslingual.json", "report/report.md"]
const bytes = (name: string, file: string) => fs.readFileSync(path.join(runDir(name), file))

beforeAll(async () => {
  const seed = await Effect.runPromise(readRows(Example, path.join(repo, "datasets/seed.parquet")))
  const bench = await Effect.runPromise(readRows(BenchmarkRow, path.join(repo, "datasets/benchmarks.parquet")))
  const rng = new Rng(7)
  const seedSlice = stratifiedSample(seed, 6000, (r) => `${r.lang}|${r.unsafe}|${r.split}`, rng.child("seed"))
  const benchSlice = stratifiedSample(bench, 1200, (r) => `${r.benchmark}|${r.lang}|${r.unsafe}`, rng.child("bench"), { minPerStratum: 5 })
  await Effect.runPromise(writeParquet(seedFile, rowsToTable(seedSlice, EXAMPLE_COLUMNS)))
  await Effect.runPromise(writeParquet(benchFile, rowsToTable(benchSlice, BENCHMARK_COLUMNS)))
}, 120_000)

afterAll(() => {
  for (const d of [runDir("a"), runDir("c"), dataDir]) fs.rmSync(d, { recursive: true, force: true })
})

describe("pipelines/selfplay.ts", () => {
  it("completes a tiny run and writes the report", () => {
    const r = run("a")
    expect(r.status, r.stderr.slice(-3000)).toBe(0)
    const report = fs.readFileSync(path.join(runDir("a"), "report/report.md"), "utf8")
    expect(report).toContain("Six-benchmark average F1")
    expect(report).toContain("Filter statistics")
    expect(report).toMatch(/## Cross-lingual check \(not a benchmark\)\n(.*\n){5}\| guard \| AUPRC en/)
    for (const f of ARTIFACTS) expect(fs.existsSync(path.join(runDir("a"), f)), f).toBe(true)
    const manifest = JSON.parse(fs.readFileSync(path.join(runDir("a"), "manifest.json"), "utf8"))
    expect(manifest.seed).toBe(20250207)
    expect(manifest.inputs.map((i: { path: string }) => i.path)).toEqual([path.relative(repo, seedFile), path.relative(repo, benchFile)])
  }, 600_000)

  // A second run with the same seed, killed mid-stage and rerun: it must end byte-identical to
  // the uninterrupted first run (this covers both "same seed → same bytes" and "resume").
  it("resumes a run killed mid-stage and ends identical to an uninterrupted run", async () => {
    await runAndKill("c", "▶ judge", 300)
    expect(fs.existsSync(path.join(runDir("c"), "iter-1/synthetic.parquet"))).toBe(false)
    const r = run("c")
    expect(r.status, r.stderr.slice(-3000)).toBe(0)
    expect(r.stdout + r.stderr).toContain("done earlier, resumed")
    for (const f of ARTIFACTS.filter((f) => f !== "report/report.md")) expect(bytes("c", f).equals(bytes("a", f)), f).toBe(true)
  }, 600_000)
})
