/**
 * Checks on the committed tables produced from the real shared datasets (skipped when
 * `npx tsx pipelines/ingest.ts` has not been run): exact benchmark counts, seed size.
 */
import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { BENCHMARK_LANGUAGES, BENCHMARKS, BenchmarkRow, Example } from "../../schemas/index.ts"
import { readRows } from "../../src/data/parquet.ts"
import { EXPECTED_BENCHMARK_COUNTS } from "../../src/data/sources/benchmarks.ts"

const DATASETS = path.resolve(import.meta.dirname, "../../datasets")
const BENCH = path.join(DATASETS, "benchmarks.parquet")
const SEED = path.join(DATASETS, "seed.parquet")

describe.skipIf(!fs.existsSync(BENCH))("datasets/benchmarks.parquet", () => {
  it("has exactly the paper's rows and unsafe rows per benchmark × language", async () => {
    const rows = await Effect.runPromise(readRows(BenchmarkRow, BENCH))
    for (const b of BENCHMARKS) {
      for (const l of BENCHMARK_LANGUAGES) {
        const cell = rows.filter((r) => r.benchmark === b && r.lang === l)
        expect({ b, l, rows: cell.length, unsafe: cell.filter((r) => r.unsafe).length }).toEqual({ b, l, ...EXPECTED_BENCHMARK_COUNTS[b][l] })
      }
    }
    expect(rows.length).toBe(46380)
  })
})

describe.skipIf(!fs.existsSync(SEED))("datasets/seed.parquet", () => {
  it("has ≥ 180k valid rows in ≥ 6 languages with ≥ 100 rows each, none equal to a benchmark text", async () => {
    const rows = await Effect.runPromise(readRows(Example, SEED))
    expect(rows.length).toBeGreaterThanOrEqual(180_000)
    const perLang = new Map<string, number>()
    for (const r of rows) perLang.set(r.lang, (perLang.get(r.lang) ?? 0) + 1)
    expect([...perLang.values()].filter((n) => n >= 100).length).toBeGreaterThanOrEqual(6)
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length)
    if (fs.existsSync(BENCH)) {
      const bench = new Set((await Effect.runPromise(readRows(BenchmarkRow, BENCH))).map((r) => r.text))
      expect(rows.filter((r) => bench.has(r.text)).map((r) => r.text)).toEqual([])
    }
  })
})
