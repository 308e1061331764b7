/** The Arrow column layout of the project's dataset tables, derived from their row Schemas. */
import { BenchmarkRow, Example } from "../../schemas/index.ts"
import { columnsOf } from "./parquet.ts"

export const EXAMPLE_COLUMNS = columnsOf(Example)

export const BENCHMARK_COLUMNS = columnsOf(BenchmarkRow)
