/**
 * The committed report of the shipped model must be internally consistent: its table1.json
 * decodes, and recomputing Table 1 from its predictions.parquet (with the labels taken from
 * datasets/benchmarks.parquet, not from the predictions file) gives the same result.
 * No guard is run; this catches a stale or hand-edited report, and a report left behind
 * when models/default or the benchmark table changed (its manifest's input hashes).
 */
import { describe, expect, it } from "vitest"
import { Effect, Schema } from "effect"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { BenchmarkRow, RunManifest } from "../../schemas/index.ts"
import { readParquet, readRows, tableToRows } from "../../src/data/parquet.ts"
import { readTable1Json } from "../../src/eval/report.ts"
import { computeTable1 } from "../../src/eval/table1.ts"

const ROOT = path.resolve(import.meta.dirname, "../..")
const REPORT = path.join(ROOT, "reports/default")
const BENCHMARKS = path.join(ROOT, "datasets/benchmarks.parquet")

describe.skipIf(!fs.existsSync(path.join(REPORT, "table1.json")) || !fs.existsSync(BENCHMARKS))(
  "reports/default",
  () => {
    it("table1.json equals Table 1 recomputed from predictions.parquet and the benchmark labels", async () => {
      const committed = await Effect.runPromise(readTable1Json(path.join(REPORT, "table1.json")))
      const rows = await Effect.runPromise(readRows(BenchmarkRow, BENCHMARKS))
      const preds = tableToRows(await Effect.runPromise(readParquet(path.join(REPORT, "predictions.parquet"))))
      expect(preds.length).toBe(rows.length)
      preds.forEach((p, i) => {
        expect(p.idx).toBe(i)
        expect(p.benchmark).toBe(rows[i].benchmark)
        expect(p.label).toBe(rows[i].unsafe)
        expect(p.flagged).toBe((p.unsafe as number) > 0.5)
      })
      const recomputed = computeTable1(rows, preds.map((p) => p.unsafe as number), committed.model)
      expect(recomputed).toEqual(committed)
    })

    it("was made from the current models/default and benchmark table", () => {
      const manifest = Schema.decodeUnknownSync(RunManifest)(
        JSON.parse(fs.readFileSync(path.join(REPORT, "manifest.json"), "utf8"))
      )
      expect(manifest.inputs.length).toBeGreaterThan(1)
      for (const input of manifest.inputs) {
        const file = path.join(ROOT, input.path)
        const sha = fs.existsSync(file) ? crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex") : "(missing)"
        expect(sha, `${input.path} changed since the report: re-run \`npx tsx pipelines/evaluate.ts\``).toBe(input.sha256)
      }
    })
  }
)
