/** pipelines/train.ts with --synthetic: a run's synthetic tables join training, weighed by balance.syntheticMass. */
import { beforeAll, describe, expect, it } from "vitest"
import { Effect, Schema } from "effect"
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { promisify } from "node:util"
import { Example } from "../../schemas/example.ts"
import { rowsToTable, writeParquet } from "../../src/data/parquet.ts"
import { EXAMPLE_COLUMNS } from "../../src/data/tables.ts"
import { TrainConfig } from "../../src/guard/config.ts"
import { syntheticRows, tinyConfig } from "./fixtures.ts"
import { tempDir } from "../support/temp-dir.ts"

const run = promisify(execFile)
const repoRoot = path.resolve(import.meta.dirname, "../..")
const dir = tempDir("train-cli")
const seedFile = path.join(dir, "seed.parquet")
const syntheticFile = path.join(dir, "synthetic.parquet")
const configFile = path.join(dir, "config.json")

const train = (args: Array<string>) =>
  run("npx", ["tsx", "pipelines/train.ts", "--data", seedFile, "--config", configFile, "--seed", "3", ...args], { cwd: repoRoot, maxBuffer: 64 << 20 }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr })
  )

const write = (file: string, rows: Array<Example>) => Effect.runPromise(writeParquet(file, rowsToTable(rows, EXAMPLE_COLUMNS)))

beforeAll(async () => {
  const seed: Array<Example> = [...syntheticRows(400, 1), ...syntheticRows(120, 2)].map((r, i) => ({
    ...r,
    lang: r.lang as Example["lang"],
    categories: [...r.categories],
    id: `seed-${i}`,
    license: "MIT",
    split: i < 400 ? "train" : "validation",
    origin: "seed",
    parent_id: null,
    iteration: 0
  }))
  // Rewrites that contradict the seed's trigger words: their weight visibly moves the model.
  const synthetic: Array<Example> = syntheticRows(80, 9).map((r, i) => ({
    ...r,
    text: `${r.text} ${r.unsafe ? "garden" : "murder"}`,
    lang: r.lang as Example["lang"],
    categories: [...r.categories],
    id: `syn-${i}`,
    source: "selfplay:s1",
    license: "MIT",
    split: i % 10 === 0 ? "validation" : "train",
    origin: "synthetic",
    parent_id: `seed-${i}`,
    iteration: 1
  }))
  await write(seedFile, seed)
  await write(syntheticFile, synthetic)
  fs.writeFileSync(configFile, JSON.stringify(Schema.encodeSync(TrainConfig)(tinyConfig())))
})

describe("pipelines/train.ts --synthetic", () => {
  it("trains on seed + synthetic rows, records the table in the manifest, and balance.syntheticMass changes the model", async () => {
    const out1 = path.join(dir, "mass-1")
    const r1 = await train(["--synthetic", syntheticFile, "--out", out1])
    expect(r1.code, r1.stderr).toBe(0)
    // 400 seed + 72 synthetic train rows; 120 + 8 validation rows (every tenth rewrite).
    expect(r1.stderr).toMatch(/train: 472 train rows, 128 validation rows from .* and .*synthetic\.parquet \(80\)/)
    const manifest = JSON.parse(fs.readFileSync(path.join(out1, "manifest.json"), "utf8"))
    expect(JSON.stringify(manifest)).toContain("synthetic.parquet")

    const out32 = path.join(dir, "mass-32")
    const r32 = await train(["--synthetic", syntheticFile, "--out", out32, "--set", "balance.syntheticMass=32"])
    expect(r32.code, r32.stderr).toBe(0)
    const weights = (d: string) => fs.readFileSync(path.join(d, "weights.bin"))
    expect(weights(out32).equals(weights(out1))).toBe(false)
  }, 120_000)

  it("names a missing table, and refuses --holdout-sources beside --synthetic", async () => {
    const missing = await train(["--synthetic", path.join(dir, "nope.parquet"), "--out", path.join(dir, "x")])
    expect(missing.code).not.toBe(0)
    expect(missing.stderr).toContain("nope.parquet does not exist")
    const both = await train(["--synthetic", syntheticFile, "--holdout-sources", "s1", "--out", path.join(dir, "y")])
    expect(both.code).not.toBe(0)
    expect(both.stderr).toContain("leave out --holdout-sources")
    expect(fs.existsSync(path.join(dir, "x"))).toBe(false)
  }, 60_000)
})
