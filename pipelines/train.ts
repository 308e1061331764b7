/**
 * Train the guard on the seed data and save it:
 *
 *   npx tsx pipelines/train.ts [--data FILE] [--out DIR] [--config FILE] [--set key=value ...] [--seed N] [--lexicon FILE] [--pieces FILE]
 *                              [--synthetic a.parquet,b.parquet]
 *
 * Defaults: --data datasets/seed.parquet, --out models/default, --lexicon datasets/lexicon.tsv
 * (read only when features.lexicon is set; `--set features.lexicon=false` trains without), --pieces
 * datasets/pieces.txt (read only when features.pieces is set), the config in
 * src/guard/config.ts, seed 20250207. Rows with split "train" are trained on; "validation"
 * rows drive early stopping and calibration. Prints the validation metrics per language.
 *
 * The rows of the generalization check (src/eval/generalization.ts `isHeldOutRow`: whole held-out
 * sources, and half of every other UD file) are left out of training and validation, and the
 * trained guard is scored on them afterwards (printed, and written to DIR/generalization.json).
 * `--holdout-sources a,b` holds out those whole sources instead; `--holdout-sources none` trains
 * on everything.
 *
 * `--synthetic` adds a self-play run's synthetic tables, weighed as the game's guard stage weighs
 * them (src/guard/guard-rows.ts: one balancing source, `balance.syntheticMass`): with the run's
 * guard seed it retrains an iteration's guard on the same rows under another config, e.g. the
 * default run's iteration 2 (root seed 20250207 → guard seed 4159782102, src/runtime/seed.ts):
 *
 *   npx tsx pipelines/train.ts --synthetic runs/default/iter-1/synthetic.parquet,runs/default/iter-2/synthetic.parquet \
 *     --seed 4159782102 --set balance.syntheticMass=32 --out runs/mass-32
 */
import { ensureDefaultTables } from "../src/data/cache.ts"
import { Command, Options } from "@effect/cli"
import { Console, Effect, Layer, Option } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { Example } from "../schemas/example.ts"
import { FileError } from "../src/data/errors.ts"
import { readRows, writeFileAtomic } from "../src/data/parquet.ts"
import { DEFAULT_SEED, DEFAULT_TRAIN_CONFIG, TrainConfig } from "../src/guard/config.ts"
import { GuardError } from "../src/guard/errors.ts"
import { guardFromWeights } from "../src/guard/guard.ts"
import { type ValidationMetrics } from "../src/guard/metrics.ts"
import { generalizationMarkdown, isHeldOutRow, scoreGeneralization } from "../src/eval/generalization.ts"
import { DEFAULT_LEXICON_FILE, readLexiconFile, saveGuard, sha256 } from "../src/guard/storage.ts"
import { buildCnnData, checkFiles, parseFileList } from "../src/guard/cnn/data.ts"
import { trainGuard } from "../src/guard/train.ts"
import { DEFAULT_PIECES_FILE, readPiecesFile } from "../src/guard/pieces-build.ts"
import * as md from "../src/report/markdown.ts"
import { BackendLive } from "../src/runtime/backend.ts"
import { loadConfig } from "../src/runtime/config.ts"
import { ProgressLive } from "../src/runtime/progress.ts"
import { optionalText, repoRoot, resolvePath, runCommandLine, setOption } from "../src/runtime/cli.ts"

const data = optionalText("data", "training table (default: datasets/seed.parquet)")
const out = optionalText("out", "model folder (default: models/default)")
const configFile = optionalText("config", "JSON config file")
const set = setOption("model.dim=48")
const holdout = optionalText("holdout-sources", "comma-separated sources to leave out of training and score afterwards (default: the generalization check's; none: train on all)")
const lexiconFile = optionalText("lexicon", "cross-lingual lexicon (default: datasets/lexicon.tsv)")
const piecesFile = optionalText("pieces", "subword pieces (default: datasets/pieces.txt, built from the Gemma 3 tokenizer package when missing)")
const synthetic = optionalText("synthetic", "comma-separated synthetic tables of a self-play run (runs/<id>/iter-1/synthetic.parquet,...)")
const seed = Options.integer("seed").pipe(Options.withDescription("root seed"), Options.withDefault(DEFAULT_SEED))



const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(1) : "–")

const METRICS_HEADER = ["lang", "n", "unsafe", "flagged", "precision", "recall", "F1", "AUC"]
const metricsTable = (byGroup: Record<string, ValidationMetrics>) =>
  md.table(
    METRICS_HEADER,
    Object.entries(byGroup).map(([l, m]) => [l, String(m.n), String(m.positives), String(m.flagged), pct(m.precision), pct(m.recall), pct(m.f1), pct(m.auc)]),
    { align: METRICS_HEADER.map(() => "left"), tight: true }
  )

const command = Command.make("train", { data, out, configFile, set, holdout, seed, lexiconFile, piecesFile, synthetic }, (args) =>
  Effect.gen(function* () {
    const dataFile = resolvePath(args.data, "datasets/seed.parquet")
    yield* ensureDefaultTables([dataFile])
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
    const given = Option.map(args.holdout, (s) => (s.trim() === "none" ? [] : s.split(",").map((x) => x.trim()).filter((x) => x)))
    const known = new Set(rows.map((r) => r.source))
    const unknown = Option.match(given, { onNone: () => [], onSome: (list) => list.filter((s) => !known.has(s)) })
    if (unknown.length > 0) {
      return yield* new GuardError({ reason: `--holdout-sources: no rows from ${unknown.join(", ")} in ${dataFile}` })
    }
    const isHeld = Option.match(given, {
      onNone: () => isHeldOutRow,
      onSome: (list) => (r: Example) => list.includes(r.source)
    })
    if (Option.isSome(args.synthetic) && Option.isSome(given)) {
      return yield* new GuardError({ reason: "--synthetic trains with the generalization check's held-out rule: leave out --holdout-sources" })
    }
    const heldOut = rows.filter(isHeld)
    const synthFiles = Option.isSome(args.synthetic) ? (yield* parseFileList(args.synthetic.value)).map((f) => path.resolve(f)) : []
    yield* checkFiles(synthFiles)
    // With synthetic tables, the rows are built as the game's guard stage builds them (guard-rows.ts).
    const withGame = synthFiles.length > 0 ? yield* buildCnnData(rows, synthFiles) : null
    const train = withGame?.train ?? rows.filter((r) => r.split === "train" && !isHeld(r))
    const validation = withGame?.validation ?? rows.filter((r) => r.split === "validation" && !isHeld(r))
    yield* Console.error(
      `train: ${train.length} train rows, ${validation.length} validation rows from ${path.relative(repoRoot, dataFile)}` +
        (withGame === null ? "" : ` and ${withGame.synthetic.map((s) => `${path.relative(repoRoot, s.file)} (${s.rows})`).join(", ")}`)
    )

    const lexiconPath = resolvePath(args.lexiconFile, DEFAULT_LEXICON_FILE)
    const lexicon = config.features.lexicon ? yield* readLexiconFile(lexiconPath) : null
    const piecesPath = resolvePath(args.piecesFile, DEFAULT_PIECES_FILE)
    const pieces = config.features.pieces ? yield* readPiecesFile(piecesPath) : null
    const trained = yield* trainGuard(train, validation, config, args.seed, lexicon, pieces)
    // Inside the repo, record the data paths relative to it (no machine paths in manifests).
    const shown = (file: string) => {
      const rel = path.relative(repoRoot, file)
      return rel.startsWith("..") ? path.basename(file) : rel.split(path.sep).join("/")
    }
    const inputs = [{ path: shown(dataFile), sha256: sha256(bytes) }, ...synthFiles.map((f) => ({ path: shown(f), sha256: sha256(fs.readFileSync(f)) }))]
    if (lexicon !== null) inputs.push({ path: shown(lexiconPath), sha256: sha256(fs.readFileSync(lexiconPath)) })
    if (pieces !== null) inputs.push({ path: shown(piecesPath), sha256: sha256(fs.readFileSync(piecesPath)) })
    yield* saveGuard(trained, outDir, { inputs, createdBy: "pipelines/train.ts" })

    const v = trained.validation
    const lines = [metricsTable(v.byLanguage)]
    if (heldOut.length > 0) {
      const preds = yield* Effect.scoped(
        Effect.flatMap(guardFromWeights(trained), (g) => g.classify(heldOut.map((r) => r.text)))
      )
      const check = scoreGeneralization(heldOut, preds)
      yield* writeFileAtomic(path.join(outDir, "generalization.json"), `${JSON.stringify(check, null, 2)}\n`)
      lines.push("", generalizationMarkdown(check))
    }
    yield* Console.log(
      [
        `trained on ${trained.backend} in ${trained.seconds.toFixed(1)} s (best step ${trained.bestStep}, ` +
          `validation loss ${v.loss.toFixed(4)}, logit shift ${v.calibration.shift})`,
        `calibration ${v.calibration.mode}: validation shift ${v.calibration.validation?.shift ?? "–"}` +
          (v.calibration.heldOut
            ? `, genre offset ${v.calibration.heldOut.genreOffset} (auxiliary model without ${v.calibration.heldOut.sources.join(", ")}: ` +
              `validation ${v.calibration.heldOut.auxValidation.shift}, unseen sources ${v.calibration.heldOut.auxHeldOut.shift})`
            : ""),
        ...lines,
        `saved to ${path.relative(process.cwd(), outDir) || "."}`
      ].join("\n")
    )
  }).pipe(Effect.provide(Layer.merge(BackendLive(), ProgressLive)))
)

runCommandLine("train", Command.run(command, { name: "train", version: "0.1.0" })(process.argv))
