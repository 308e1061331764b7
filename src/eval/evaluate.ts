/**
 * Run a guard over the benchmark rows (in batches, with a progress bar) and score Table 1.
 * Also keeps one prediction per row so a report can be re-inspected without re-running the
 * guard (`predictions.parquet` in the report folder).
 */
import { Data, Effect, ParseResult, Schema } from "effect"
import * as path from "node:path"
import { type BenchmarkRow, FLAG_THRESHOLD, Prediction } from "../../schemas/index.ts"
import type { FileError } from "../data/errors.ts"
import { columnsOf, rowsToTable, writeParquet } from "../data/parquet.ts"
import { withProgress } from "../runtime/progress.ts"
import { computeTable1, type Table1Result } from "./table1.ts"

/** What evaluation needs of a guard (the shape of src/guard/guard.ts's `Guard`). */
export interface Classifier<E> {
  readonly modelDir: string
  readonly backend: string
  readonly classify: (texts: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<Prediction>, E>
}

/** The guard answered something evaluation cannot score. Names the benchmark row. */
export class EvalError extends Data.TaggedError("EvalError")<{ readonly reason: string }> {
  override get message() {
    return this.reason
  }
}

/** One scored benchmark row. `idx` is the row's position in the benchmarks file. */
export const PredictionRow = Schema.Struct({
  benchmark: Schema.String,
  lang: Schema.String,
  idx: Schema.Int,
  /** The guard's unsafe probability (max of the 12 categories). */
  unsafe: Schema.Number,
  flagged: Schema.Boolean,
  /** The benchmark's label: true = unsafe. */
  label: Schema.Boolean
})
export type PredictionRow = typeof PredictionRow.Type

export const PREDICTION_COLUMNS = columnsOf(PredictionRow)

export const PREDICTIONS_FILE = "predictions.parquet"

/** Texts per `classify` call: the guard's own forward-pass batch, so no call is half-empty. */
export const DEFAULT_BATCH_SIZE = 512

export interface Evaluation {
  readonly table1: Table1Result
  readonly predictions: ReadonlyArray<PredictionRow>
}

export interface EvaluateOptions {
  /** Texts per `classify` call. */
  readonly batchSize?: number
  /** Name shown in the report; defaults to the model folder's name. */
  readonly modelName?: string
}

const decodePrediction = Schema.decodeUnknownEither(Prediction)

export const evaluateGuard = <E>(
  guard: Classifier<E>,
  rows: ReadonlyArray<BenchmarkRow>,
  opts: EvaluateOptions = {}
) =>
  Effect.gen(function* () {
    const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      return yield* Effect.fail(new EvalError({ reason: `batch size must be a positive integer, got ${batchSize}` }))
    }
    const scores: Array<number> = new Array(rows.length)
    const predictions: Array<PredictionRow> = new Array(rows.length)
    yield* withProgress("evaluate", rows.length, (bar) =>
      Effect.gen(function* () {
        for (let start = 0; start < rows.length; start += batchSize) {
          const batch = rows.slice(start, start + batchSize)
          const out = yield* guard.classify(batch.map((r) => r.text))
          if (out.length !== batch.length) {
            return yield* Effect.fail(
              new EvalError({
                reason: `guard returned ${out.length} predictions for ${batch.length} texts (rows ${start}..${start + batch.length - 1})`
              })
            )
          }
          for (let k = 0; k < batch.length; k++) {
            const i = start + k
            const r = rows[i]
            // The guard is a boundary: a NaN or out-of-range probability must not become a metric.
            const p = decodePrediction(out[k])
            if (p._tag === "Left") {
              return yield* Effect.fail(
                new EvalError({
                  reason: `row ${i} (${r.benchmark}/${r.lang}): invalid prediction: ${ParseResult.TreeFormatter.formatErrorSync(p.left)}`
                })
              )
            }
            const flagged = p.right.unsafe > FLAG_THRESHOLD
            if (flagged !== p.right.flagged) {
              return yield* Effect.fail(
                new EvalError({
                  reason: `row ${i} (${r.benchmark}/${r.lang}): guard says flagged=${p.right.flagged} but unsafe=${p.right.unsafe} (rule: unsafe > ${FLAG_THRESHOLD})`
                })
              )
            }
            scores[i] = p.right.unsafe
            predictions[i] = { benchmark: r.benchmark, lang: r.lang, idx: i, unsafe: p.right.unsafe, flagged, label: r.unsafe }
          }
          bar.tick(batch.length)
        }
      })
    )
    const table1 = computeTable1(rows, scores, {
      name: opts.modelName ?? path.basename(path.resolve(guard.modelDir)),
      backend: guard.backend
    })
    return { table1, predictions } satisfies Evaluation
  })

/** Write the per-row predictions (atomically) as Parquet. */
export const writePredictions = (file: string, predictions: ReadonlyArray<PredictionRow>): Effect.Effect<void, FileError> =>
  writeParquet(file, rowsToTable(predictions, PREDICTION_COLUMNS))
