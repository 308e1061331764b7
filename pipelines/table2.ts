/**
 * Table 2 (src/eval/table2.ts): the main family and the CNN family, each trained on the seed
 * alone and on the seed + a self-play run's synthetic rows, on the generalization check.
 *
 *   npx tsx pipelines/table2.ts [--run runs/default] [--cnn-seed runs/table2/cnn-seed]
 *                               [--cnn-synthetic runs/table2/cnn-synthetic] [--out reports/table2.md]
 *
 * Main-family rows: the run's iteration-0 guard (seed only) and its last iteration's guard (seed
 * + the synthetic rows of iterations 1..T): iter-N/generalization.json and
 * iter-N/guard/manifest.json. CNN rows: two folders written by pipelines/train-cnn.ts (the
 * second with --synthetic naming that run's iter-1..T/synthetic.parquet): generalization.json
 * and training.json. The table is refused unless all four share the seed table, the held-out
 * rows and the everyday rule, and both synthetic guards used the same tables. Writes the
 * Markdown to --out and the numbers to the same name with .json. Reads no benchmark.
 *
 * To make the CNN folders:
 *
 *   npx tsx pipelines/train-cnn.ts --out runs/table2/cnn-seed
 *   npx tsx pipelines/train-cnn.ts --out runs/table2/cnn-synthetic \
 *     --synthetic runs/default/iter-1/synthetic.parquet,runs/default/iter-2/synthetic.parquet
 */
import { Command } from "@effect/cli"
import { Console, Effect, Schema } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { FileError } from "../src/data/errors.ts"
import { writeFileAtomic } from "../src/data/parquet.ts"
import { GeneralizationResult } from "../src/eval/generalization.ts"
import { table2, table2Markdown, type Family, type Table2Input, type TrainingData } from "../src/eval/table2.ts"
import { ITER, iterDir, iterationFolders, readJsonFile } from "../src/game/run-folder.ts"
import { CNN_TRAINING_FILE } from "../src/guard/cnn/storage.ts"
import { optionalText, repoRoot, resolvePath, runCommandLine } from "../src/runtime/cli.ts"

const run = optionalText("run", "self-play run folder (default: runs/default)")
const cnnSeed = optionalText("cnn-seed", "CNN guard trained on the seed alone (default: runs/table2/cnn-seed)")
const cnnSynthetic = optionalText("cnn-synthetic", "CNN guard trained on the seed + the run's synthetic tables (default: runs/table2/cnn-synthetic)")
const out = optionalText("out", "Markdown file (default: reports/table2.md; the JSON goes beside it)")

/** What both writers record of a guard's training (guard/manifest.json, a CNN's training.json): the first input is the seed table. */
const TrainingRecord = Schema.Struct({
  seed: Schema.Number,
  inputs: Schema.NonEmptyArray(Schema.Struct({ path: Schema.String, sha256: Schema.String })),
  config: Schema.Struct({ everyday: Schema.Unknown })
})

/** Inside the repo, relative to it; outside, the last three parts (no machine paths in reports). */
const shown = (p: string) => {
  const rel = path.relative(repoRoot, p)
  return (rel.startsWith("..") ? p.split(path.sep).slice(-3) : rel.split(path.sep)).join("/")
}

const guardInput = (family: Family, data: TrainingData, guardDir: string, recordFile: string, checkFile: string) =>
  Effect.gen(function* () {
    for (const f of [recordFile, checkFile]) if (!fs.existsSync(f)) return yield* new FileError({ path: f, reason: "missing" })
    const record = yield* readJsonFile(TrainingRecord, recordFile)
    const check = yield* readJsonFile(GeneralizationResult, checkFile)
    return {
      family,
      data,
      guard: shown(guardDir),
      trainingSeed: record.seed,
      seedSha256: record.inputs[0].sha256,
      synthetic: record.inputs.slice(1).filter((i) => i.path.endsWith(".parquet")),
      everyday: record.config.everyday,
      check
    } satisfies Table2Input
  })

/** The main family's guard of iteration t: its manifest and its check, through the run-folder layout. */
const mainInput = (runDir: string, t: number, data: TrainingData) => {
  const dir = iterDir(runDir, t)
  return guardInput("main", data, ITER.guard.at(dir), path.join(ITER.guard.at(dir), "manifest.json"), ITER.generalization.at(dir))
}

const command = Command.make("table2", { run, cnnSeed, cnnSynthetic, out }, (args) =>
  Effect.gen(function* () {
    const runDir = resolvePath(args.run, "runs/default")
    // The last iteration ≥ 1 whose guard has a check.
    const last = iterationFolders(runDir)
      .filter((t) => t >= 1 && fs.existsSync(ITER.generalization.at(iterDir(runDir, t))))
      .at(-1)
    if (last === undefined) return yield* new FileError({ path: runDir, reason: `no iteration ≥ 1 with ${ITER.generalization.name}` })
    const cnnSeedDir = resolvePath(args.cnnSeed, "runs/table2/cnn-seed")
    const cnnSynDir = resolvePath(args.cnnSynthetic, "runs/table2/cnn-synthetic")
    const cnnInput = (data: TrainingData, dir: string) =>
      guardInput("cnn", data, dir, path.join(dir, CNN_TRAINING_FILE), path.join(dir, ITER.generalization.name))
    const inputs = [
      yield* mainInput(runDir, 0, "seed"),
      yield* mainInput(runDir, last, "seed+synthetic"),
      yield* cnnInput("seed", cnnSeedDir),
      yield* cnnInput("seed+synthetic", cnnSynDir)
    ]
    const result = yield* Effect.try({
      try: () => table2(inputs),
      catch: (e) => new FileError({ path: shown(runDir), reason: `Table 2: ${(e as Error).message}` })
    })
    const outFile = resolvePath(args.out, "reports/table2.md")
    const jsonFile = `${outFile.replace(/\.md$/, "")}.json`
    const markdown = table2Markdown(result)
    yield* writeFileAtomic(outFile, markdown)
    yield* writeFileAtomic(jsonFile, `${JSON.stringify(result, null, 2)}\n`)
    yield* Console.log(`${markdown}\nwritten to ${shown(outFile)} and ${shown(jsonFile)}`)
  })
)

runCommandLine("table2", Command.run(command, { name: "table2", version: "0.1.0" })(process.argv))
