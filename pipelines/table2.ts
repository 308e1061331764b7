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
import { Command, Options } from "@effect/cli"
import { Console, Effect, Schema } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { FileError } from "../src/data/errors.ts"
import { writeFileAtomic } from "../src/data/parquet.ts"
import { readGeneralizationFile } from "../src/eval/generalization.ts"
import { table2, table2Markdown, type Family, type Table2Input, type TrainingData } from "../src/eval/table2.ts"
import { CNN_TRAINING_FILE } from "../src/guard/cnn/storage.ts"
import { repoRoot, resolvePath, runCommandLine } from "../src/runtime/cli.ts"

const run = Options.text("run").pipe(Options.withDescription("self-play run folder (default: runs/default)"), Options.optional)
const cnnSeed = Options.text("cnn-seed").pipe(Options.withDescription("CNN guard trained on the seed alone (default: runs/table2/cnn-seed)"), Options.optional)
const cnnSynthetic = Options.text("cnn-synthetic").pipe(
  Options.withDescription("CNN guard trained on the seed + the run's synthetic tables (default: runs/table2/cnn-synthetic)"),
  Options.optional
)
const out = Options.text("out").pipe(Options.withDescription("Markdown file (default: reports/table2.md; the JSON goes beside it)"), Options.optional)

const GENERALIZATION = "generalization.json"

/** What both writers record of a guard's training (guard/manifest.json, a CNN's training.json): the first input is the seed table. */
const TrainingRecord = Schema.Struct({
  seed: Schema.Number,
  inputs: Schema.NonEmptyArray(Schema.Struct({ path: Schema.String, sha256: Schema.String })),
  config: Schema.Struct({ everyday: Schema.Unknown })
})

const readRecord = (file: string) =>
  Effect.try({
    try: () => Schema.decodeUnknownSync(TrainingRecord)(JSON.parse(fs.readFileSync(file, "utf8"))),
    catch: (e) => new FileError({ path: file, reason: `not a guard's training record: ${(e as Error).message}` })
  })

/** Inside the repo, relative to it; outside, the last three parts (no machine paths in reports). */
const shown = (p: string) => {
  const rel = path.relative(repoRoot, p)
  return (rel.startsWith("..") ? p.split(path.sep).slice(-3) : rel.split(path.sep)).join("/")
}

const guardInput = (family: Family, data: TrainingData, guardDir: string, recordFile: string, checkFile: string) =>
  Effect.gen(function* () {
    for (const f of [recordFile, checkFile]) if (!fs.existsSync(f)) return yield* new FileError({ path: f, reason: "missing" })
    const record = yield* readRecord(recordFile)
    const check = yield* readGeneralizationFile(checkFile)
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

const command = Command.make("table2", { run, cnnSeed, cnnSynthetic, out }, (args) =>
  Effect.gen(function* () {
    const runDir = resolvePath(args.run, "runs/default")
    const iterDir = (t: number) => path.join(runDir, `iter-${t}`)
    const mainGuard = (t: number) => path.join(iterDir(t), "guard")
    let last = 0
    while (fs.existsSync(path.join(mainGuard(last + 1), "manifest.json")) && fs.existsSync(path.join(iterDir(last + 1), GENERALIZATION))) last++
    if (last === 0) return yield* new FileError({ path: runDir, reason: "no iteration ≥ 1 with guard/manifest.json and generalization.json" })
    const cnnDir = (given: typeof args.cnnSeed, fallback: string) => resolvePath(given, fallback)
    const cnnSeedDir = cnnDir(args.cnnSeed, "runs/table2/cnn-seed")
    const cnnSynDir = cnnDir(args.cnnSynthetic, "runs/table2/cnn-synthetic")
    const inputs = [
      yield* guardInput("main", "seed", mainGuard(0), path.join(mainGuard(0), "manifest.json"), path.join(iterDir(0), GENERALIZATION)),
      yield* guardInput("main", "seed+synthetic", mainGuard(last), path.join(mainGuard(last), "manifest.json"), path.join(iterDir(last), GENERALIZATION)),
      yield* guardInput("cnn", "seed", cnnSeedDir, path.join(cnnSeedDir, CNN_TRAINING_FILE), path.join(cnnSeedDir, GENERALIZATION)),
      yield* guardInput("cnn", "seed+synthetic", cnnSynDir, path.join(cnnSynDir, CNN_TRAINING_FILE), path.join(cnnSynDir, GENERALIZATION))
    ]
    const result = yield* Effect.try({
      try: () => table2(inputs),
      catch: (e) => new FileError({ path: shown(runDir), reason: `Table 2: ${(e as Error).message}` })
    })
    const outFile = resolvePath(args.out, "reports/table2.md")
    const markdown = table2Markdown(result)
    yield* writeFileAtomic(outFile, markdown)
    yield* writeFileAtomic(outFile.replace(/\.md$/, "") + ".json", `${JSON.stringify(result, null, 2)}\n`)
    yield* Console.log(`${markdown}\nwritten to ${shown(outFile)} and ${shown(outFile.replace(/\.md$/, "") + ".json")}`)
  })
)

runCommandLine("table2", Command.run(command, { name: "table2", version: "0.1.0" })(process.argv))
