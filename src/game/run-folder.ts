/**
 * The run folder, runs/<id>/: the interface between the game's stages, the run report,
 * compare-runs and the notebooks. This module owns its layout: every file's path, its Schema,
 * its reader and its writer. Nobody else spells a file name of it; a file is read back through
 * its Schema, so a stale or foreign folder fails with the file and field named.
 *
 *   manifest.json                  config and inputs of the run
 *   crosslingual-dev.json          the cross-lingual check's rows (null: Apertium missing)
 *   report/                        report.md and its charts
 *   iter-<t>/                      t = 0 (the seed-only guard), 1..T (self-play iterations)
 *     policy.json                  the generator's policy π_t
 *     guard/                       guard_t (model.json, weights.bin, manifest.json; or ONNX)
 *     trainer/                     train.parquet, settings.json, result.json (external trainer only)
 *     eval/                        Table 1 of guard_t (table1.json, table1.md, charts, predictions)
 *     generalization.json, crosslingual.json
 *     seeds, proposals, candidates, judged, synthetic .parquet       (t ≥ 1)
 *     filter.json, dpo.json, preferences.jsonl, fooling.json          (t ≥ 1)
 *     <stage>.done.json            resume markers (stage.ts)
 */
import { Effect, ParseResult, Schema } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { CategoryId, Example, RunManifest } from "../../schemas/index.ts"
import { FileError, type RowDecodeError } from "../data/errors.ts"
import { columnsOf, readRows, rowsToTable, writeFileAtomic, writeParquet, type ColumnSpec } from "../data/parquet.ts"
import { EXAMPLE_COLUMNS } from "../data/tables.ts"
import { CrosslingualScore, DevRow } from "../eval/crosslingual.ts"
import { GeneralizationResult } from "../eval/generalization.ts"
import { encodeTable1Json, readTable1Json } from "../eval/report.ts"
import type { Table1Result } from "../eval/table1.ts"
import type { DpoTrainStats } from "../generator/dpo-train.ts"
import type { PolicyWeights } from "../generator/policy.ts"
import { PROPOSAL_COLUMNS, ProposalRow } from "../generator/proposals.ts"
import { TrainConfig } from "../guard/config.ts"
import { JsonFraction, JsonNumber } from "../runtime/json.ts"
import type { FilteredRow } from "./filter.ts"

// ─── file kinds ───────────────────────────────────────────────────────────────────────────

/** A file of the run folder, named relative to the folder it lies in (the run's or an iteration's). */
export interface RunFile<A, E = FileError> {
  readonly name: string
  readonly at: (dir: string) => string
  readonly read: (dir: string) => Effect.Effect<A, E>
  readonly write: (dir: string, value: A) => Effect.Effect<void, FileError>
}

/** A folder of the run folder: its files are written by others (a guard, a report). */
export interface RunSubfolder {
  /** Ends with "/" (stage.ts: every file under it is an output). */
  readonly name: string
  readonly at: (dir: string) => string
}

const subfolder = (name: string): RunSubfolder => ({ name: `${name}/`, at: (dir) => path.join(dir, name) })

const formatError = (e: ParseResult.ParseError) => ParseResult.TreeFormatter.formatErrorSync(e)

/** A JSON file decoded against `schema`; a failure names the file and the field. */
export const readJsonFile = <A, I>(schema: Schema.Schema<A, I>, file: string): Effect.Effect<A, FileError> =>
  Effect.try({
    try: () => JSON.parse(fs.readFileSync(file, "utf8")) as unknown,
    catch: (e) => new FileError({ path: file, reason: `cannot read JSON: ${e instanceof Error ? e.message : String(e)}` })
  }).pipe(
    Effect.flatMap((json) =>
      Schema.decodeUnknown(schema, { onExcessProperty: "ignore" })(json).pipe(
        Effect.mapError((e) => new FileError({ path: file, reason: formatError(e) }))
      )
    )
  )

/**
 * A JSON file: written encoded through its Schema (key order = the Schema's), pretty with a
 * final newline, or compact without one.
 */
const jsonFile = <A, I>(name: string, schema: Schema.Schema<A, I>, style: "pretty" | "compact" = "pretty"): RunFile<A> => {
  const at = (dir: string) => path.join(dir, name)
  return {
    name,
    at,
    read: (dir) => readJsonFile(schema, at(dir)),
    write: (dir, value) =>
      Schema.encode(schema)(value).pipe(
        Effect.mapError((e) => new FileError({ path: at(dir), reason: `not written, does not match its Schema: ${formatError(e)}` })),
        Effect.flatMap((json) => writeFileAtomic(at(dir), style === "pretty" ? `${JSON.stringify(json, null, 2)}\n` : JSON.stringify(json)))
      )
  }
}

/** A Parquet table: rows decoded against `schema`, written with `columns` (their order is the file's). */
const parquetFile = <A extends object, I>(name: string, schema: Schema.Schema<A, I>, columns: ColumnSpec<A>): RunFile<ReadonlyArray<A>, FileError | RowDecodeError> => {
  const at = (dir: string) => path.join(dir, name)
  return {
    name,
    at,
    read: (dir) => readRows(schema, at(dir)),
    write: (dir, rows) => writeParquet(at(dir), rowsToTable(rows, columns))
  }
}

const textFile = (name: string): RunFile<string> => {
  const at = (dir: string) => path.join(dir, name)
  return {
    name,
    at,
    read: (dir) =>
      Effect.try({
        try: () => fs.readFileSync(at(dir), "utf8"),
        catch: (e) => new FileError({ path: at(dir), reason: `cannot read: ${String(e)}` })
      }),
    write: (dir, text) => writeFileAtomic(at(dir), text)
  }
}

/** The file's value, or null when it is not there (a report over what exists). */
export const readIfPresent = <A, E>(file: RunFile<A, E>, dir: string): Effect.Effect<A | null, E> =>
  fs.existsSync(file.at(dir)) ? file.read(dir) : Effect.succeed(null)

/** Compile-time: an in-memory type and the Schema of its file describe the same thing. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false

// ─── schemas ──────────────────────────────────────────────────────────────────────────────

const Int = Schema.Int
const Count = Schema.Int.pipe(Schema.nonNegative())
const Fraction = Schema.Number.pipe(Schema.between(0, 1))

/** A row of iter-t/candidates.parquet: a proposal (src/generator/proposals.ts) and why the filter dropped it (src/game/filter.ts). */
export const CandidateRow = Schema.Struct({
  ...ProposalRow.fields,
  /** "" when kept, else the first reason it was dropped. */
  dropped: Schema.String
})
export type CandidateRow = typeof CandidateRow.Type
true satisfies Same<CandidateRow, FilteredRow>
export const CANDIDATE_COLUMNS = columnsOf(CandidateRow)

/** A row of iter-t/judged.parquet: a kept candidate as guard_{t-1} saw it. */
export const JudgedRow = Schema.Struct({
  ...CandidateRow.fields,
  text: Schema.String,
  p_unsafe: Fraction,
  /** The guard's verdict disagrees with the proposal's label. */
  fooled: Schema.Boolean
})
export type JudgedRow = typeof JudgedRow.Type
/** The candidates' columns (text stays nullable "utf8?" in the file) and the verdict. */
export const JUDGED_COLUMNS: ColumnSpec<JudgedRow> = { ...CANDIDATE_COLUMNS, p_unsafe: "float64", fooled: "bool" }

const FoolingSide = Schema.Struct({
  policy: Schema.String,
  proposals: Count,
  kept: Count,
  fooled: Count,
  /** fooled / proposals */
  rate: Fraction,
  /** fooled / kept */
  ratePerKept: Fraction
})
export type FoolingSide = typeof FoolingSide.Type

/** iter-t/fooling.json: π_{t-1} vs π_t on a fresh seed sample, judged by the same guard_{t-1}. */
export const Fooling = Schema.Struct({ guard: Schema.String, seeds: Count, reference: FoolingSide, updated: FoolingSide })
export type Fooling = typeof Fooling.Type

/** iter-t/filter.json: proposals per drop reason ("kept" for the kept ones). */
export const FilterCounts = Schema.Record({ key: Schema.String, value: Count })

/** iter-t/dpo.json: the DPO step's statistics (NaN when it had no pairs). */
export const DpoStats = Schema.Struct({
  pairs: Count,
  lossFirstEpoch: JsonNumber,
  lossLastEpoch: JsonNumber,
  /** Share of pairs where the policy prefers chosen over rejected more than the reference does. */
  rewardAccuracy: JsonFraction
})
export type DpoStats = typeof DpoStats.Type
true satisfies Same<DpoStats, DpoTrainStats>

/** iter-t/policy.json (src/generator/policy.ts). */
export const PolicyWeightsSchema = Schema.Struct({
  shape: Schema.Struct({
    inputDim: Int,
    hidden: Int,
    heads: Schema.Array(Schema.Struct({
      name: Schema.String,
      size: Int,
      maskedBy: Schema.optional(Schema.Struct({ head: Schema.String, allowed: Schema.Array(Schema.Array(Schema.Boolean)) }))
    }))
  }),
  tensors: Schema.Record({ key: Schema.String, value: Schema.Struct({ shape: Schema.Array(Int), values: Schema.Array(Schema.Number) }) })
})
true satisfies Same<typeof PolicyWeightsSchema.Type, PolicyWeights>

/** iter-t/trainer/settings.json: what the external trainer is told (src/game/external-trainer.ts). */
export const TrainerSettings = Schema.Struct({
  runId: Schema.String,
  iteration: Int,
  seed: Int,
  table: Schema.String,
  out: Schema.String,
  rows: Schema.Struct({ train: Count, validation: Count }),
  /** Output i of the model is category C(i+1); unsafe = max sigmoid, flagged when > 0.5. */
  categories: Schema.Array(CategoryId),
  guard: TrainConfig
})

/** iter-t/trainer/result.json: the guard folder the external trainer wrote, by file hash. */
export const TrainerResult = Schema.Struct({
  command: Schema.Array(Schema.String),
  format: Schema.Literal("onnx", "tfjs"),
  backend: Schema.String,
  files: Schema.Record({ key: Schema.String, value: Schema.String })
})

/** manifest.json (the node version beside RunManifest's fields). */
export const Manifest = Schema.Struct({ ...RunManifest.fields, node: Schema.optional(Schema.String) })

/**
 * The part of the run's config (src/game/config.ts) the readers of a finished run need.
 * Deliberately not the full SelfPlayConfig: a run written before a config field was added must still open.
 */
export const RunConfigView = Schema.Struct({
  runId: Schema.String,
  seed: Int,
  iterations: Int.pipe(Schema.positive()),
  seedLanguages: Schema.Array(Schema.String),
  seedsPerIteration: Int,
  proposalsPerSeed: Int,
  foolingSeeds: Int,
  temperature: Schema.Number,
  maxSeedTrainRows: Schema.NullOr(Int),
  policy: Schema.Struct({ hidden: Int }),
  dpo: Schema.Struct({ beta: Schema.Number, alpha: Schema.Number, learningRate: Schema.Number, epochs: Int, rejectFiltered: Schema.Boolean })
})
export type RunConfigView = typeof RunConfigView.Type

// ─── the layout ───────────────────────────────────────────────────────────────────────────

/** runs/<id>/ of a repository. */
export const runDirOf = (repoRoot: string, runId: string) => path.join(repoRoot, "runs", runId)

/** The folder of iteration t. */
export const iterName = (t: number) => `iter-${t}`
export const iterDir = (runDir: string, t: number) => path.join(runDir, iterName(t))

/** Files of runs/<id>/. */
export const RUN = {
  manifest: jsonFile("manifest.json", Manifest),
  crosslingualDev: jsonFile("crosslingual-dev.json", Schema.NullOr(Schema.Array(DevRow)), "compact"),
  report: subfolder("report"),
  reportMarkdown: textFile("report/report.md")
} as const

const table1: RunFile<Table1Result> = {
  name: "eval/table1.json",
  at: (dir) => path.join(dir, "eval", "table1.json"),
  read: (dir) => readTable1Json(path.join(dir, "eval", "table1.json")),
  write: (dir, r) => writeFileAtomic(path.join(dir, "eval", "table1.json"), encodeTable1Json(r))
}

/** Files of runs/<id>/iter-<t>/. */
export const ITER = {
  policy: jsonFile("policy.json", PolicyWeightsSchema),
  guard: subfolder("guard"),
  trainerTable: parquetFile("trainer/train.parquet", Example, EXAMPLE_COLUMNS),
  trainerSettings: jsonFile("trainer/settings.json", TrainerSettings),
  trainerResult: jsonFile("trainer/result.json", TrainerResult),
  trainerLog: "trainer/trainer.log",
  eval: subfolder("eval"),
  table1,
  table1Markdown: "eval/table1.md",
  generalization: jsonFile("generalization.json", GeneralizationResult),
  /** null when the cross-lingual check was skipped (Apertium missing). */
  crosslingual: jsonFile("crosslingual.json", Schema.NullOr(Schema.Record({ key: Schema.String, value: CrosslingualScore }))),
  seeds: parquetFile("seeds.parquet", Example, EXAMPLE_COLUMNS),
  proposals: parquetFile("proposals.parquet", ProposalRow, PROPOSAL_COLUMNS),
  candidates: parquetFile("candidates.parquet", CandidateRow, CANDIDATE_COLUMNS),
  filter: jsonFile("filter.json", FilterCounts),
  judged: parquetFile("judged.parquet", JudgedRow, JUDGED_COLUMNS),
  dpo: jsonFile("dpo.json", DpoStats),
  /** {prompt, chosen, rejected} lines in TRL's DPO format. */
  preferences: textFile("preferences.jsonl"),
  fooling: jsonFile("fooling.json", Fooling),
  synthetic: parquetFile("synthetic.parquet", Example, EXAMPLE_COLUMNS)
} as const

// ─── reading a whole run ──────────────────────────────────────────────────────────────────

const requireFile = (file: string, what: string) =>
  fs.existsSync(file) ? Effect.void : Effect.fail(new FileError({ path: file, reason: `missing (${what})` }))

/** A finished iteration t ≥ 1, every file of it read. */
export interface PlayedIteration {
  readonly t: number
  readonly dir: string
  readonly table1: Table1Result
  /** The seed rows the generator rewrote in this iteration. */
  readonly seeds: ReadonlyArray<Example>
  /** Every proposal of the iteration, with its filter verdict. */
  readonly candidates: ReadonlyArray<CandidateRow>
  /** The kept proposals, judged by guard_{t-1}. */
  readonly judged: ReadonlyArray<JudgedRow>
  /** The proposals that fooled guard_{t-1}: the guard's new training rows. */
  readonly synthetic: ReadonlyArray<Example>
  readonly fooling: Fooling
  readonly filter: Readonly<Record<string, number>>
  readonly dpo: DpoStats
}

export interface RunFolder {
  readonly dir: string
  readonly manifest: typeof Manifest.Type
  readonly config: RunConfigView
  /** Iteration 0: the seed-only guard's evaluation. */
  readonly baseline: Table1Result
  /** Finished iterations 1..T, in order (T ≤ config.iterations). */
  readonly played: ReadonlyArray<PlayedIteration>
}

const readIteration = (runDir: string, t: number) =>
  Effect.gen(function* () {
    const dir = iterDir(runDir, t)
    for (const f of [ITER.seeds, ITER.candidates, ITER.judged, ITER.synthetic]) {
      yield* requireFile(f.at(dir), `iteration ${t} is evaluated, so its stages ran`)
    }
    return {
      t,
      dir,
      table1: yield* ITER.table1.read(dir),
      seeds: yield* ITER.seeds.read(dir),
      candidates: yield* ITER.candidates.read(dir),
      judged: yield* ITER.judged.read(dir),
      synthetic: yield* ITER.synthetic.read(dir),
      fooling: yield* ITER.fooling.read(dir),
      filter: yield* ITER.filter.read(dir),
      dpo: yield* ITER.dpo.read(dir)
    } satisfies PlayedIteration
  })

/** Iterations 0, 1, … whose folder exists, up to the first that does not. */
export const iterationFolders = (runDir: string): Array<number> => {
  const ts: Array<number> = []
  for (let t = 0; fs.existsSync(iterDir(runDir, t)); t++) ts.push(t)
  return ts
}

/** Iterations 0, 1, … whose guard was evaluated, up to the first that was not. */
export const evaluatedIterations = (runDir: string, last = Number.POSITIVE_INFINITY): Array<number> => {
  const ts: Array<number> = []
  for (let t = 0; t <= last && fs.existsSync(ITER.table1.at(iterDir(runDir, t))); t++) ts.push(t)
  return ts
}

/**
 * Open runs/<id>/: its manifest, iteration 0's evaluation and every finished iteration. An
 * iteration counts as finished once its eval/table1.json exists (evaluation is its last stage);
 * the iterations after the first unfinished one are not read.
 */
export const openRunFolder = (dir: string): Effect.Effect<RunFolder, FileError | RowDecodeError> =>
  Effect.gen(function* () {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      return yield* new FileError({ path: dir, reason: "run folder does not exist: run `npx tsx pipelines/selfplay.ts` (it writes runs/<runId>/) or set DUOGUARD_RUN_DIR" })
    }
    const manifestFile = RUN.manifest.at(dir)
    yield* requireFile(manifestFile, "written first by pipelines/selfplay.ts; is this a self-play run folder?")
    const manifest = yield* RUN.manifest.read(dir)
    if (manifest.kind !== "selfplay") return yield* new FileError({ path: manifestFile, reason: `kind is "${manifest.kind}", expected "selfplay"` })
    const config = yield* Schema.decodeUnknown(RunConfigView, { onExcessProperty: "ignore" })(manifest.config).pipe(
      Effect.mapError((e) => new FileError({ path: manifestFile, reason: `config: ${formatError(e)}` }))
    )
    yield* requireFile(ITER.table1.at(iterDir(dir, 0)), "the seed-only guard's evaluation; the run has not finished iteration 0")
    const baseline = yield* ITER.table1.read(iterDir(dir, 0))
    const played: Array<PlayedIteration> = []
    for (const t of evaluatedIterations(dir, config.iterations).slice(1)) played.push(yield* readIteration(dir, t))
    return { dir, manifest, config, baseline, played }
  })
