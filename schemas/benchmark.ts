/** One row of datasets/benchmarks.parquet: evaluation only, never training. */
import { Schema } from "effect"
import { BenchmarkLang } from "./languages.ts"
import { CategoryId } from "./taxonomy.ts"

export const BENCHMARKS = ["xstest", "openai", "toxicchat", "beavertails", "rtplx", "xsafety"] as const
export const BenchmarkName = Schema.Literal(...BENCHMARKS)
export type BenchmarkName = typeof BenchmarkName.Type

export const BenchmarkRow = Schema.Struct({
  benchmark: BenchmarkName,
  lang: BenchmarkLang,
  text: Schema.String,
  unsafe: Schema.Boolean,
  /** Only where the benchmark itself gives a mapping to our taxonomy; else null. */
  categories: Schema.NullOr(Schema.Array(CategoryId))
})
export type BenchmarkRow = typeof BenchmarkRow.Type
