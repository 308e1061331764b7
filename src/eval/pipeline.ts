/**
 * The evaluation pipeline minus the command line: benchmark file + a guard → report folder
 * (table1.md/json, charts, predictions.parquet, manifest.json), optionally the README's
 * table1 section. Takes any `Classifier`, so it runs end-to-end in tests with a fake guard.
 */
import { Data, Effect } from "effect"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { BenchmarkRow, FLAG_THRESHOLD, RunManifest } from "../../schemas/index.ts"
import { FileError } from "../data/errors.ts"
import { readRows, writeFileAtomic } from "../data/parquet.ts"
import { type Classifier, DEFAULT_BATCH_SIZE, evaluateGuard, PREDICTIONS_FILE, writePredictions } from "./evaluate.ts"
import { checkReadmeSection, headlineMarkdown, type ReadmeSectionError, updateReadmeSection, writeReport } from "./report.ts"
import type { Table1Result } from "./table1.ts"

/** A required input of the evaluation does not exist. Says how to make it. */
export class MissingInputError extends Data.TaggedError("MissingInputError")<{
  readonly what: string
  readonly path: string
  readonly hint: string
}> {
  override get message() {
    return `${this.what} not found: ${this.path} (${this.hint})`
  }
}

export const README_MARKER = "table1"
export const MANIFEST_FILE = "manifest.json"

export interface EvaluationPaths {
  /** Repository root: stored paths are relative to it, so no machine path gets committed. */
  readonly repoRoot: string
  readonly modelDir: string
  /** The model's name in the report (default: the folder's name). */
  readonly modelName?: string
  readonly benchmarksFile: string
  readonly outDir: string
  /** README to update (its table1 section), or undefined to leave it alone. */
  readonly readme?: string
}

/** Fail early, before loading a model or reading anything, with a hint how to get the input. */
export const checkInputs = (p: EvaluationPaths): Effect.Effect<void, MissingInputError | FileError | ReadmeSectionError> =>
  Effect.gen(function* () {
    if (!fs.existsSync(p.modelDir) || !fs.statSync(p.modelDir).isDirectory()) {
      return yield* Effect.fail(
        new MissingInputError({
          what: "model folder",
          path: p.modelDir,
          hint: "train a guard first, or pass --model DIR"
        })
      )
    }
    if (!fs.existsSync(p.benchmarksFile)) {
      return yield* Effect.fail(
        new MissingInputError({
          what: "benchmark table",
          path: p.benchmarksFile,
          hint: "build it with `npm run ingest`, or pass --benchmarks FILE"
        })
      )
    }
    if (p.readme) yield* checkReadmeSection(p.readme, README_MARKER)
  })

const sha256File = (file: string): Effect.Effect<string, FileError> =>
  Effect.try({
    try: () => crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex"),
    catch: (e) => new FileError({ path: file, reason: `cannot hash: ${String(e)}` })
  })

const filesUnder = (dir: string): Array<string> =>
  fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath, d.name))
    .sort()

/** Repo-relative, forward slashes: the same on every machine. */
const rel = (repoRoot: string, file: string) => path.relative(repoRoot, file).split(path.sep).join("/")

const hashAll = (repoRoot: string, files: ReadonlyArray<string>) =>
  Effect.forEach(files, (f) => Effect.map(sha256File(f), (sha256) => ({ path: rel(repoRoot, f), sha256 })))

const installedPackages = (repoRoot: string): Record<string, string> => {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>
    }
    return { ...pkg.dependencies }
  } catch {
    return {}
  }
}

export interface EvaluationOutcome {
  readonly table1: Table1Result
  readonly headline: string
  readonly files: ReadonlyArray<string>
  readonly seconds: number
}

/** Evaluate `guard` on the benchmark file and write the report folder (and the README section). */
export const runEvaluation = <E>(guard: Classifier<E>, p: EvaluationPaths, opts: { readonly batchSize?: number } = {}) =>
  Effect.gen(function* () {
    yield* checkInputs(p)
    const rows = yield* readRows(BenchmarkRow, p.benchmarksFile)
    if (rows.length === 0) {
      return yield* Effect.fail(new FileError({ path: p.benchmarksFile, reason: "has no rows" }))
    }
    const t0 = Date.now()
    const { table1, predictions } = yield* evaluateGuard(guard, rows, {
      batchSize: opts.batchSize,
      modelName: p.modelName ?? path.basename(path.resolve(p.modelDir))
    })
    const seconds = (Date.now() - t0) / 1000
    const reportFiles = yield* writeReport(p.outDir, table1)
    yield* writePredictions(path.join(p.outDir, PREDICTIONS_FILE), predictions)
    const outputs = [...reportFiles, PREDICTIONS_FILE].map((f) => path.join(p.outDir, f))
    // No timestamps or timings in the manifest: the same inputs must give the same bytes.
    const manifest: RunManifest = {
      kind: "evaluate",
      createdBy: "pipelines/evaluate.ts",
      seed: 0, // evaluation draws no random numbers
      config: {
        threshold: FLAG_THRESHOLD,
        batchSize: opts.batchSize ?? DEFAULT_BATCH_SIZE,
        backend: guard.backend,
        model: rel(p.repoRoot, path.resolve(p.modelDir)),
        benchmarks: rel(p.repoRoot, path.resolve(p.benchmarksFile))
      },
      inputs: yield* hashAll(p.repoRoot, [path.resolve(p.benchmarksFile), ...filesUnder(path.resolve(p.modelDir))]),
      outputs: yield* hashAll(p.repoRoot, outputs.map((f) => path.resolve(f))),
      packages: installedPackages(p.repoRoot)
    }
    yield* writeFileAtomic(path.join(p.outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`)
    const headline = headlineMarkdown(table1)
    if (p.readme) {
      const link = rel(path.dirname(path.resolve(p.readme)), path.resolve(p.outDir, "table1.md"))
      yield* updateReadmeSection(
        p.readme,
        README_MARKER,
        `${headline}\n\nPer-benchmark tables, precision/recall/FPR/AUPRC and charts: [${link}](${link}).`
      )
    }
    return { table1, headline, files: [...reportFiles, PREDICTIONS_FILE, MANIFEST_FILE], seconds } satisfies EvaluationOutcome
  })
