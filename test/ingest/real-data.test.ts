/**
 * Checks on the committed tables produced from the real shared datasets (skipped when
 * `npx tsx pipelines/ingest.ts` has not been run): exact benchmark counts, seed size,
 * no benchmark text in the seed. Read with DuckDB: fast, and an independent reader.
 */
import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { BENCHMARK_LANGUAGES, BENCHMARKS } from "../../schemas/index.ts"
import { EXPECTED_BENCHMARK_COUNTS } from "../../src/data/sources/benchmarks.ts"

const DATASETS = path.resolve(import.meta.dirname, "../../datasets")
const BENCH = path.join(DATASETS, "benchmarks.parquet")
const SEED = path.join(DATASETS, "seed.parquet")

const query = async (sql: string) => {
  const conn = await DuckDBConnection.create(await DuckDBInstance.create(":memory:"))
  return (await conn.runAndReadAll(sql)).getRowObjectsJS()
}

describe.skipIf(!fs.existsSync(BENCH))("datasets/benchmarks.parquet", () => {
  it("has exactly the paper's rows and unsafe rows per benchmark × language", async () => {
    const rows = await query(
      `select benchmark, lang, count(*)::INTEGER as rows, sum(unsafe::INTEGER)::INTEGER as unsafe from read_parquet('${BENCH}') group by all`
    )
    const got = new Map(rows.map((r) => [`${r.benchmark}/${r.lang}`, { rows: r.rows, unsafe: r.unsafe }]))
    expect(got.size).toBe(BENCHMARKS.length * BENCHMARK_LANGUAGES.length)
    for (const b of BENCHMARKS) {
      for (const l of BENCHMARK_LANGUAGES) expect({ b, l, ...got.get(`${b}/${l}`) }).toEqual({ b, l, ...EXPECTED_BENCHMARK_COUNTS[b][l] })
    }
  })
})

describe.skipIf(!fs.existsSync(SEED))("datasets/seed.parquet", () => {
  it("has ≥ 180k rows with unique ids in ≥ 6 languages of ≥ 100 rows", async () => {
    const [total] = await query(`select count(*)::INTEGER as n, count(distinct id)::INTEGER as ids from read_parquet('${SEED}')`)
    expect(total.n).toBeGreaterThanOrEqual(180_000)
    expect(total.ids).toBe(total.n)
    const langs = await query(`select lang, count(*)::INTEGER as n from read_parquet('${SEED}') group by lang having count(*) >= 100`)
    expect(langs.length).toBeGreaterThanOrEqual(6)
  })
  it("labels agree with categories and seed columns are constant", async () => {
    const [bad] = await query(
      `select count(*)::INTEGER as n from read_parquet('${SEED}')
       where unsafe <> (len(categories) > 0) or origin <> 'seed' or parent_id is not null or iteration <> 0 or split not in ('train', 'validation')`
    )
    expect(bad.n).toBe(0)
  })
  it.skipIf(!fs.existsSync(BENCH))("contains no benchmark text", async () => {
    const hits = await query(
      `select s.text from read_parquet('${SEED}') s join read_parquet('${BENCH}') b on lower(trim(s.text)) = lower(trim(b.text)) limit 5`
    )
    expect(hits).toEqual([])
  })
})
