/** The Arrow column layout of each table the project writes. */
import type { BenchmarkRow, Example } from "../../schemas/index.ts"
import type { ColumnSpec } from "./parquet.ts"

export const EXAMPLE_COLUMNS: ColumnSpec<Example> = {
  id: "utf8",
  text: "utf8",
  lang: "utf8",
  unsafe: "bool",
  categories: "list<utf8>",
  source: "utf8",
  license: "utf8",
  split: "utf8",
  origin: "utf8",
  parent_id: "utf8?",
  iteration: "int32"
}

export const BENCHMARK_COLUMNS: ColumnSpec<BenchmarkRow> = {
  benchmark: "utf8",
  lang: "utf8",
  text: "utf8",
  unsafe: "bool",
  categories: "list<utf8>?"
}
