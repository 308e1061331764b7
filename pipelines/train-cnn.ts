/**
 * Train the second model family, the subword CNN guard (src/guard/cnn/), and score it on the
 * generalization check — the paper's Table 2 question: do the self-play data train another
 * kind of model too?
 *
 *   npx tsx pipelines/train-cnn.ts [--synthetic a.parquet,b.parquet] [--out DIR] [--seed N]
 *                                  [--data FILE] [--set key=value ...] [--benchmarks FILE]
 *                                  [--token-cache DIR|none]
 *
 * Rows: the seed (default datasets/seed.parquet) minus the generalization check's held-out rows
 * (src/eval/generalization.ts `isHeldOutRow`), split "train" trained on and "validation" used for
 * early stopping and calibration; plus, with --synthetic, the self-play game's synthetic tables
 * (e.g. runs/<id>/iter-1/synthetic.parquet,runs/<id>/iter-2/synthetic.parquet), balanced as ONE
 * source as the game does. Writes DIR (default runs/cnn) with model.json + weights.bin (the
 * model), training.json (provenance) and generalization.json (the check); with --benchmarks,
 * also table1.json (evaluation only: never used for a choice). Token ids are cached on disk
 * (default .cache/cnn-tokens; src/guard/cnn/token-cache.ts), so a second training on the same
 * seed skips most of the tokenizing; the cache does not change any result.
 */
import { Command, Options } from "@effect/cli"
import { Console, Effect, Layer, Option } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { BenchmarkRow } from "../schemas/benchmark.ts"
import { Example } from "../schemas/example.ts"
import { FileError } from "../src/data/errors.ts"
import { readRows, writeFileAtomic } from "../src/data/parquet.ts"
import { evaluateGuard } from "../src/eval/evaluate.ts"
import { generalizationCheck, generalizationMarkdown } from "../src/eval/generalization.ts"
import { cnnClassifier } from "../src/guard/cnn/classifier.ts"
import { CnnConfig, DEFAULT_CNN_CONFIG } from "../src/guard/cnn/config.ts"
import { buildCnnData, checkFiles, parseFileList } from "../src/guard/cnn/data.ts"
import { saveCnn } from "../src/guard/cnn/storage.ts"
import { cachedTokenizer } from "../src/guard/cnn/token-cache.ts"
import { loadGemma3 } from "../src/guard/cnn/tokenizer.ts"
import { trainCnn } from "../src/guard/cnn/train.ts"
import { DEFAULT_SEED } from "../src/guard/config.ts"
import { GuardError } from "../src/guard/errors.ts"
import { sha256 } from "../src/guard/storage.ts"
import { BackendLive } from "../src/runtime/backend.ts"
import { optionalText, repoRoot, resolvePath, runCommandLine, setOption } from "../src/runtime/cli.ts"
import { loadConfig } from "../src/runtime/config.ts"
import { ProgressLive } from "../src/runtime/progress.ts"

const data = optionalText("data", "seed table (default: datasets/seed.parquet)")
const synthetic = optionalText("synthetic", "comma-separated synthetic tables of a self-play run (iter-1/synthetic.parquet,...)")
const out = optionalText("out", "model folder (default: runs/cnn)")
const seed = Options.integer("seed").pipe(Options.withDescription("root seed"), Options.withDefault(DEFAULT_SEED))
const set = setOption("model.filters=64")
const benchmarks = optionalText("benchmarks", "also score Table 1 on this benchmark table (evaluation only), e.g. datasets/benchmarks.parquet")
const tokenCache = optionalText("token-cache", "folder of the token-id cache (default .cache/cnn-tokens; none: no cache)")

const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(1) : "–")

/**
 * Inside the repo, a path relative to it; outside, its folder and name only (no machine paths in
 * outputs, but iter-1/synthetic.parquet and iter-2/synthetic.parquet stay apart).
 */
const shown = (file: string) => {
  const rel = path.relative(repoRoot, file)
  return rel.startsWith("..") ? `${path.basename(path.dirname(file))}/${path.basename(file)}` : rel.split(path.sep).join("/")
}
const hashFile = (file: string) =>
  Effect.try({ try: () => sha256(fs.readFileSync(file)), catch: (e) => new FileError({ path: file, reason: `cannot read: ${(e as Error).message}` }) })

const flush = (t: { readonly flush: () => void }) =>
  Effect.try({ try: () => t.flush(), catch: (e) => new GuardError({ reason: `cannot write the token cache: ${(e as Error).message}` }) })

const command = Command.make("train-cnn", { data, synthetic, out, seed, set, benchmarks, tokenCache }, (args) =>
  Effect.gen(function* () {
    const started = Date.now()
    const seedFile = resolvePath(args.data, "datasets/seed.parquet")
    const outDir = resolvePath(args.out, "runs/cnn")
    const synthFiles = Option.isSome(args.synthetic) ? (yield* parseFileList(args.synthetic.value)).map((f) => path.resolve(f)) : []
    yield* checkFiles(synthFiles)
    yield* checkFiles([seedFile], "--data")
    const benchFile = Option.map(args.benchmarks, (f) => path.resolve(f))
    if (Option.isSome(benchFile)) yield* checkFiles([benchFile.value], "--benchmarks")
    const config = yield* loadConfig(CnnConfig, DEFAULT_CNN_CONFIG, { overrides: args.set })

    const seedRows = yield* readRows(Example, seedFile)
    const rows = yield* buildCnnData(seedRows, synthFiles)
    yield* Console.error(
      `train-cnn: ${rows.train.length} train rows, ${rows.validation.length} validation rows` +
        (synthFiles.length > 0 ? ` (synthetic: ${rows.synthetic.map((s) => `${shown(s.file)} ${s.rows}`).join(", ")})` : " (seed only)")
    )
    const gemma = yield* loadGemma3
    const cacheDir = Option.getOrUndefined(args.tokenCache)
    const tokenizer = cacheDir === "none" ? { ...gemma, flush: () => {}, stats: () => null } : cachedTokenizer(gemma, resolvePath(Option.fromNullable(cacheDir), ".cache/cnn-tokens"), config.maxLen)
    const trained = yield* trainCnn(rows.train, rows.validation, config, args.seed, tokenizer)
    yield* flush(tokenizer)
    const inputs = yield* Effect.forEach([seedFile, ...synthFiles], (f) => Effect.map(hashFile(f), (h) => ({ path: shown(f), sha256: h })))
    const model = { weights: trained.weights, tokenizer: trained.tokenizer, maxLen: config.maxLen }
    const { weights: _w, ...report } = trained
    const { bytes } = yield* saveCnn(model, { createdBy: "pipelines/train-cnn.ts", inputs, synthetic: rows.synthetic.map((s) => ({ ...s, file: shown(s.file) })), droppedHeldOutChildren: rows.droppedHeldOutChildren, shift: trained.weights.logitShift, operatingPoints: trained.weights.operatingPoints, ...report }, outDir)

    const guard = yield* cnnClassifier(model, tokenizer, outDir, trained.backend)
    const checkStarted = Date.now()
    const check = yield* generalizationCheck(guard.classify, seedRows)
    const checkSeconds = (Date.now() - checkStarted) / 1000
    yield* flush(tokenizer)
    yield* writeFileAtomic(path.join(outDir, "generalization.json"), `${JSON.stringify(check, null, 2)}\n`)
    const lines = [generalizationMarkdown(check, "Generalization check of the CNN guard (held-out sources; not a benchmark)")]

    if (Option.isSome(benchFile)) {
      const bench = yield* readRows(BenchmarkRow, benchFile.value)
      const { table1 } = yield* evaluateGuard(guard, bench, { modelName: path.basename(outDir) })
      yield* flush(tokenizer)
      yield* writeFileAtomic(path.join(outDir, "table1.json"), `${JSON.stringify(table1, null, 2)}\n`)
      const auprc = table1.ours.cells.map((c) => c.auprc).filter((x): x is number => x !== null)
      lines.push(
        `Benchmarks (evaluation only): mean AUPRC over ${auprc.length} cells ${pct(auprc.reduce((a, b) => a + b, 0) / auprc.length)}; ` +
          `average F1 ${table1.ours.averages.map((a) => `${a.lang} ${pct(a.avgF1)}`).join(", ")}`
      )
    }
    yield* Console.log(
      [
        `trained on ${trained.backend} in ${trained.seconds.toFixed(0)} s (tokenizing ${trained.tokenizeSeconds.toFixed(0)} s; ${trained.trainRows} rows after the per-group cap; ` +
          `best step ${trained.bestStep}, validation loss ${trained.validation.loss.toFixed(4)}, shift ${trained.weights.logitShift} (${config.defaultOperatingPoint}))`,
        `weights.bin ${(bytes / 1e6).toFixed(1)} MB (${trained.trainedVocabRows} of ${trained.weights.shape.vocab} vocabulary rows trained); check ${checkSeconds.toFixed(0)} s; total ${((Date.now() - started) / 1000).toFixed(0)} s`,
        ...lines,
        ...(tokenizer.stats() ? [`token cache: ${JSON.stringify(tokenizer.stats())}`] : []),
        `saved to ${path.relative(process.cwd(), outDir) || "."}`
      ].join("\n")
    )
  }).pipe(Effect.provide(Layer.merge(BackendLive(), ProgressLive)))
)

runCommandLine("train-cnn", Command.run(command, { name: "train-cnn", version: "0.1.0" })(process.argv))
