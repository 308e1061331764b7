/**
 * Checks on the tables derived from the real shared datasets (built by the test setup when
 * ../shared/datasets is there; skipped otherwise): exact benchmark counts, seed size and
 * breadth, everyday safe text, no benchmark text in the seed. Read with DuckDB: fast, and an
 * independent reader.
 */
import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { BENCHMARK_LANGUAGES, BENCHMARKS } from "../../schemas/index.ts"
import { nearDuplicateKey } from "../../src/data/dedup.ts"
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
  it("has ≥ 500k rows with unique ids, and ≥ 20 languages with ≥ 50 rows of each label", async () => {
    const [total] = await query(`select count(*)::INTEGER as n, count(distinct id)::INTEGER as ids from read_parquet('${SEED}')`)
    expect(total.n).toBeGreaterThanOrEqual(500_000)
    expect(total.ids).toBe(total.n)
    const langs = await query(
      `select lang from read_parquet('${SEED}') group by lang having sum((not unsafe)::INTEGER) >= 50 and sum(unsafe::INTEGER) >= 50`
    )
    expect(langs.length).toBeGreaterThanOrEqual(20)
  })
  it("has ≥ 5,000 safe rows of everyday text in each of en, fr, de, es", async () => {
    // Everyday text: UD sentences, dictionary examples, fortunes, help pages and UI strings (not Alpaca's instructions).
    const rows = await query(
      `select lang, count(*)::INTEGER as n from read_parquet('${SEED}')
       where not unsafe and regexp_matches(source, '^(ud-|trans-de-en|fortunes-|gnome-user-docs|gettext-)') group by lang`
    )
    const n = new Map(rows.map((r) => [r.lang, r.n]))
    for (const l of ["en", "fr", "de", "es"]) expect({ l, n: n.get(l) ?? 0 }).toEqual({ l, n: expect.toSatisfy((x: number) => x >= 5000) })
  })
  it("keeps no near-duplicate text on both sides of the split", async () => {
    // The project's own near-duplicate key (dedup.ts), recomputed from the stored texts.
    const rows = await query(`select text, split from read_parquet('${SEED}')`)
    const sides = new Map<string, string>()
    const both: Array<string> = []
    for (const r of rows) {
      const k = nearDuplicateKey(r.text as string)
      const seen = sides.get(k)
      if (seen === undefined) sides.set(k, r.split as string)
      else if (seen !== r.split) both.push(r.text as string)
    }
    expect(both.slice(0, 5)).toEqual([])
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
