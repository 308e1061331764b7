/**
 * Score a saved CNN guard (pipelines/train-cnn.ts) on the generalization check at every
 * operating point it saved (or one, with --operating-point), so a change in ranking can be told
 * apart from a change in where the flag sits:
 *
 *   npx tsx pipelines/score-cnn.ts DIR [--operating-point NAME] [--data FILE] [--token-cache DIR|none]
 *                                  [--crosslingual runs/<id>/crosslingual-dev.json]
 *
 * Prints one summary line per operating point and writes DIR/generalization-points.json. With
 * --crosslingual (a self-play run's translated English requests, src/eval/crosslingual.ts), also
 * scores that check at the model's default shift, as the run report does for the main family,
 * into DIR/crosslingual.json.
 */
import { Args, Command } from "@effect/cli"
import { Console, Effect, Option, Schema } from "effect"
import * as path from "node:path"
import { Example } from "../schemas/example.ts"
import { readRows, writeFileAtomic } from "../src/data/parquet.ts"
import { DevRow, summarize } from "../src/eval/crosslingual.ts"
import { generalizationCheck, type GeneralizationResult } from "../src/eval/generalization.ts"
import { readJsonFile } from "../src/game/run-folder.ts"
import { cnnClassifier } from "../src/guard/cnn/classifier.ts"
import { checkFiles } from "../src/guard/cnn/data.ts"
import { GuardError } from "../src/guard/errors.ts"
import { loadCnn } from "../src/guard/cnn/storage.ts"
import { cachedTokenizer } from "../src/guard/cnn/token-cache.ts"
import { loadGemma3 } from "../src/guard/cnn/tokenizer.ts"
import { Backend, BackendLive } from "../src/runtime/backend.ts"
import { optionalText, resolvePath, runCommandLine } from "../src/runtime/cli.ts"

const dir = Args.text({ name: "DIR" }).pipe(Args.withDescription("a CNN guard folder written by pipelines/train-cnn.ts"))
const point = optionalText("operating-point", "score this saved operating point only")
const data = optionalText("data", "seed table (default: datasets/seed.parquet)")
const tokenCache = optionalText("token-cache", "token-id cache folder (default .cache/cnn-tokens; none: no cache)")
const crosslingual = optionalText("crosslingual", "a run's crosslingual-dev.json (English requests and their es/fr translations)")

const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(1) : "–")

const command = Command.make("score-cnn", { dir, point, data, tokenCache, crosslingual }, (args) =>
  Effect.gen(function* () {
    const modelDir = path.resolve(args.dir)
    const seedFile = resolvePath(args.data, "datasets/seed.parquet")
    yield* checkFiles([seedFile], "--data")
    const model = yield* loadCnn(modelDir)
    const points: Record<string, number> = Option.isSome(args.point)
      ? { [args.point.value]: (yield* loadCnn(modelDir, args.point.value)).weights.logitShift }
      : { default: model.weights.logitShift, ...(model.weights.operatingPoints ?? {}) }
    const seedRows = yield* readRows(Example, seedFile)
    const gemma = yield* loadGemma3
    const cacheDir = Option.getOrUndefined(args.tokenCache)
    const cached = cacheDir === "none" ? null : cachedTokenizer(gemma, resolvePath(Option.fromNullable(cacheDir), ".cache/cnn-tokens"), model.maxLen)
    const tokenizer = cached ?? gemma
    const backend = yield* Backend
    const out: Record<string, { shift: number; summary: GeneralizationResult["summary"] }> = {}
    for (const [name, shift] of Object.entries(points)) {
      const guard = yield* cnnClassifier({ ...model, weights: { ...model.weights, logitShift: shift } }, tokenizer, modelDir, backend.name)
      const { summary: s } = yield* generalizationCheck(guard.classify, seedRows)
      out[name] = { shift, summary: s }
      yield* Console.log(
        `${name.padEnd(9)} shift ${String(shift).padStart(5)}: macro AUROC ${pct(s.macroAuroc)} (en ${pct(s.aurocEnglish)} / other ${pct(s.aurocOther)}), ` +
          `balanced accuracy ${pct(s.balancedAccuracy)}, everyday flagged ${pct(s.everydayFlagRate)} % mean / ${pct(s.everydayFlagRateWorst)} % worst (${s.worstLanguage})`
      )
    }
    yield* writeFileAtomic(path.join(modelDir, "generalization-points.json"), `${JSON.stringify(out, null, 2)}\n`)
    if (Option.isSome(args.crosslingual)) {
      const file = path.resolve(args.crosslingual.value)
      yield* checkFiles([file], "--crosslingual")
      // Read as the run folder reads it (null: the run had no Apertium to translate with).
      const rows = yield* readJsonFile(Schema.NullOr(Schema.Array(DevRow)), file)
      if (rows === null) return yield* new GuardError({ reason: `--crosslingual: ${file} holds no rows (the run skipped the cross-lingual check)` })
      const guard = yield* cnnClassifier(model, tokenizer, modelDir, backend.name)
      const scores = summarize(rows, (yield* guard.classify(rows.map((r) => r.text))).map((p) => p.unsafe))
      yield* writeFileAtomic(path.join(modelDir, "crosslingual.json"), `${JSON.stringify(scores, null, 2)}\n`)
      yield* Console.log(
        `cross-lingual check (default shift): ` +
          Object.entries(scores).map(([l, c]) => `${l} AUPRC ${pct(c.auprc ?? Number.NaN)} flagged ${pct(c.flagRate)} %`).join(", ")
      )
    }
    yield* Effect.try({ try: () => cached?.flush(), catch: (e) => new GuardError({ reason: `cannot write the token cache: ${(e as Error).message}` }) })
  }).pipe(Effect.provide(BackendLive()))
)

runCommandLine("score-cnn", Command.run(command, { name: "score-cnn", version: "0.1.0" })(process.argv))
