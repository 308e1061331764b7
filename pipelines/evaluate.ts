/**
 * Evaluate a guard on the paper's six benchmarks × four languages (Table 1):
 *
 *   npx tsx pipelines/evaluate.ts [--model DIR] [--operating-point NAME] [--benchmarks FILE] [--out DIR] [--readme]
 *
 * Writes reports/<model-name>/ (table1.md, table1.json, charts/, predictions.parquet,
 * manifest.json); --readme also replaces README.md's table1 section. Threshold fixed at 0.5.
 * Also runs the generalization check (src/eval/generalization.ts) on the held-out sources of
 * the seed table (--seed-file, default datasets/seed.parquet): generalization.{md,json}.
 */
import { ensureDefaultTables } from "../src/data/cache.ts"
import { Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import * as path from "node:path"
import { loadGuard } from "../src/guard/guard.ts"
import { DEFAULT_BATCH_SIZE } from "../src/eval/evaluate.ts"
import { checkInputs, runEvaluation } from "../src/eval/pipeline.ts"
import { generalizationCheck, generalizationMarkdown } from "../src/eval/generalization.ts"
import { readRows, writeFileAtomic } from "../src/data/parquet.ts"
import { Example } from "../schemas/index.ts"
import { BackendLive } from "../src/runtime/backend.ts"
import { ProgressLive } from "../src/runtime/progress.ts"
import { operatingPointOption, optionalText, repoRoot, resolvePath, runCommandLine } from "../src/runtime/cli.ts"

const model = optionalText("model", "guard folder (default: models/default)")
const benchmarks = optionalText("benchmarks", "benchmark table (default: datasets/benchmarks.parquet)")
const out = optionalText("out", "report folder (default: reports/<model-name>/)")
const seedFile = optionalText("seed-file", "seed table whose held-out sources the generalization check scores (default: datasets/seed.parquet)")
const readme = Options.boolean("readme").pipe(
  Options.withDescription("also update the table1 section of README.md")
)
const batchSize = Options.integer("batch-size").pipe(
  Options.withDescription("texts per guard call"),
  Options.withDefault(DEFAULT_BATCH_SIZE)
)



const command = Command.make("evaluate", { model, benchmarks, seedFile, out, readme, batchSize, operatingPoint: operatingPointOption }, (args) =>
  Effect.gen(function* () {
    const modelDir = resolvePath(args.model, "models/default")
    const seedPath = resolvePath(args.seedFile, "datasets/seed.parquet")
    const operatingPoint = Option.getOrUndefined(args.operatingPoint)
    // Another operating point is another model as far as the report goes: "default@observed".
    const modelName = `${path.basename(modelDir)}${operatingPoint === undefined ? "" : `@${operatingPoint}`}`
    const paths = {
      repoRoot,
      modelDir,
      modelName,
      benchmarksFile: resolvePath(args.benchmarks, "datasets/benchmarks.parquet"),
      outDir: resolvePath(args.out, path.join("reports", modelName)),
      readme: args.readme ? path.join(repoRoot, "README.md") : undefined
    }
    yield* ensureDefaultTables([paths.benchmarksFile, seedPath])
    // Check inputs before loading a model: a missing file should not cost a model load.
    yield* checkInputs(paths)
    const result = yield* Effect.scoped(
      Effect.gen(function* () {
        const guard = yield* loadGuard(modelDir, { operatingPoint })
        const evaluation = yield* runEvaluation(guard, paths, { batchSize: args.batchSize })
        const check = yield* generalizationCheck(guard.classify, yield* readRows(Example, seedPath), args.batchSize)
        yield* writeFileAtomic(path.join(paths.outDir, "generalization.json"), `${JSON.stringify(check, null, 2)}\n`)
        yield* writeFileAtomic(path.join(paths.outDir, "generalization.md"), `${generalizationMarkdown(check)}`)
        return { ...evaluation, check }
      })
    ).pipe(Effect.provide(BackendLive()))
    const rows = result.table1.ours.cells.reduce((n, c) => n + c.n, 0)
    yield* Console.error(
      `evaluated ${rows} rows in ${result.seconds.toFixed(1)} s (${(rows / result.seconds).toFixed(0)} rows/s, backend ${result.table1.model.backend})`
    )
    yield* Console.error(`wrote ${path.relative(process.cwd(), paths.outDir) || "."}/{${result.files.join(",")}}`)
    if (paths.readme) yield* Console.error("updated the table1 section of README.md")
    yield* Console.log(`\n${result.headline}\n\n${generalizationMarkdown(result.check)}`)
  }).pipe(Effect.provide(ProgressLive))
)

runCommandLine("evaluate", Command.run(command, { name: "evaluate", version: "0.1.0" })(process.argv))
