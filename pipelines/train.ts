/**
 * Train the guard on the seed data and save it:
 *
 *   npx tsx pipelines/train.ts [--data FILE] [--out DIR] [--config FILE] [--set key=value ...] [--seed N]
 *
 * Defaults: --data datasets/seed.parquet, --out models/default, the config in
 * src/guard/config.ts, seed 20250207. Rows with split "train" are trained on; "validation"
 * rows drive early stopping and calibration. Prints the validation metrics per language.
 */
import { Command, Options } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Layer, Option } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { Example } from "../schemas/example.ts"
import { FileError } from "../src/data/errors.ts"
import { readRows } from "../src/data/parquet.ts"
import { DEFAULT_SEED, DEFAULT_TRAIN_CONFIG, TrainConfig } from "../src/guard/config.ts"
import { saveGuard, sha256 } from "../src/guard/storage.ts"
import { trainGuard } from "../src/guard/train.ts"
import { BackendLive } from "../src/runtime/backend.ts"
import { loadConfig } from "../src/runtime/config.ts"
import { ProgressLive } from "../src/runtime/progress.ts"

const repoRoot = path.resolve(import.meta.dirname, "..")


const data = Options.text("data").pipe(
  Options.withDescription("training table (default: datasets/seed.parquet)"),
  Options.optional
)
const out = Options.text("out").pipe(Options.withDescription("model folder (default: models/default)"), Options.optional)
const configFile = Options.text("config").pipe(Options.withDescription("JSON config file"), Options.optional)
const set = Options.text("set").pipe(
  Options.withDescription("override a setting, e.g. --set model.dim=48 (repeatable)"),
  Options.repeated
)
const seed = Options.integer("seed").pipe(Options.withDescription("root seed"), Options.withDefault(DEFAULT_SEED))

const resolvePath = (given: Option.Option<string>, fallback: string) =>
  Option.match(given, { onNone: () => path.resolve(repoRoot, fallback), onSome: (p) => path.resolve(p) })

const describeError = (e: unknown): string => {
  const err = e as { _tag?: string; message?: string; reason?: string }
  const text = err.message || err.reason || String(e)
  return err._tag ? `${err._tag}: ${text}` : text
}

const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(1) : "–")

const command = Command.make("train", { data, out, configFile, set, seed }, (args) =>
  Effect.gen(function* () {
    const dataFile = resolvePath(args.data, "datasets/seed.parquet")
    const outDir = resolvePath(args.out, "models/default")
    const config = yield* loadConfig(TrainConfig, DEFAULT_TRAIN_CONFIG, {
      file: Option.getOrUndefined(args.configFile),
      overrides: args.set
    })
    const bytes = yield* Effect.try({
      try: () => fs.readFileSync(dataFile),
      catch: (e) => new FileError({ path: dataFile, reason: `cannot read: ${(e as Error).message}` })
    })
    const rows = yield* readRows(Example, dataFile)
    const train = rows.filter((r) => r.split === "train")
    const validation = rows.filter((r) => r.split === "validation")
    yield* Console.error(`train: ${train.length} train rows, ${validation.length} validation rows from ${path.relative(repoRoot, dataFile)}`)

    const trained = yield* trainGuard(train, validation, config, args.seed)
    // Inside the repo, record the data path relative to it (no machine paths in manifests).
    const rel = path.relative(repoRoot, dataFile)
    const shownPath = rel.startsWith("..") ? path.basename(dataFile) : rel.split(path.sep).join("/")
    yield* saveGuard(trained, outDir, { inputs: [{ path: shownPath, sha256: sha256(bytes) }], createdBy: "pipelines/train.ts" })

    const v = trained.validation
    const lines = [
      `| lang | n | unsafe | flagged | precision | recall | F1 | AUC |`,
      `|---|---|---|---|---|---|---|---|`,
      ...Object.entries(v.byLanguage).map(
        ([l, m]) => `| ${l} | ${m.n} | ${m.positives} | ${m.flagged} | ${pct(m.precision)} | ${pct(m.recall)} | ${pct(m.f1)} | ${pct(m.auc)} |`
      )
    ]
    yield* Console.log(
      [
        `trained on ${trained.backend} in ${trained.seconds.toFixed(1)} s (best step ${trained.bestStep}, ` +
          `validation loss ${v.loss.toFixed(4)}, logit shift ${v.calibration.shift})`,
        ...lines,
        `saved to ${path.relative(process.cwd(), outDir) || "."}`
      ].join("\n")
    )
  }).pipe(
    Effect.provide(Layer.merge(BackendLive(), ProgressLive)),
    Effect.catchAll((e) =>
      Console.error(`train: ${describeError(e)}`).pipe(Effect.zipRight(Effect.sync(() => (process.exitCode = 1))))
    )
  )
)

const cli = Command.run(command, { name: "train", version: "0.1.0" })

cli(process.argv).pipe(Effect.provide(NodeContext.layer), NodeRuntime.runMain)
