/**
 * Classify a file of texts with a guard:
 *
 *   npx tsx pipelines/classify.ts --input IN --output OUT [--model DIR] [--operating-point NAME]
 *
 * IN: JSONL rows `{"text": ..., "id"?: ...}` or Parquet with a `text` column (optional `id`).
 * OUT: JSONL, one line per input row in order:
 *   {"id": …, "unsafe": 0.93, "flagged": true, "categories": {"C1": 0.01, …, "C12": 0.0}}
 * or {"id": …, "error": "…"} for a row that can't be classified. The id is the row's own, as
 * written; a row without one (or whose id can't be read) gets `"id": null, "row": N` (0-based).
 * IN is streamed: memory stays flat however large it is. Exits non-zero only when IN can't be
 * read at all (or the model can't be loaded). OUT is written atomically.
 */
import { Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import * as path from "node:path"
import { checkOutput, classifySource, openInput } from "../src/guard/batch.ts"
import { DEFAULT_MODEL_DIR, loadGuard } from "../src/guard/guard.ts"
import { BackendLive } from "../src/runtime/backend.ts"
import { ProgressLive } from "../src/runtime/progress.ts"
import { operatingPointOption, optionalText, runCommandLine } from "../src/runtime/cli.ts"

const input = Options.text("input").pipe(Options.withDescription("JSONL or Parquet file of texts"))
const output = Options.text("output").pipe(Options.withDescription("JSONL file to write (one line per input row)"))
const model = optionalText("model", "guard folder (default: models/default)")


const command = Command.make("classify", { input, output, model, operatingPoint: operatingPointOption }, (args) =>
  Effect.gen(function* () {
    const modelDir = Option.match(args.model, { onNone: () => DEFAULT_MODEL_DIR, onSome: (p) => path.resolve(p) })
    const inFile = path.resolve(args.input)
    const outFile = path.resolve(args.output)
    // Open the input and check the output before loading the model: a bad path fails fast.
    const source = yield* openInput(inFile)
    yield* checkOutput(outFile)
    const summary = yield* Effect.scoped(
      Effect.gen(function* () {
        const guard = yield* loadGuard(modelDir, { operatingPoint: Option.getOrUndefined(args.operatingPoint) })
        return yield* classifySource(guard, source, outFile)
      }).pipe(Effect.provide(BackendLive()))
    )
    yield* Console.error(
      `classify: ${summary.rows} rows (${summary.classified} classified, ${summary.errors} errors, ` +
        `${summary.flagged} flagged) in ${summary.seconds.toFixed(1)} s → ${path.relative(process.cwd(), outFile)}`
    )
  }).pipe(Effect.provide(ProgressLive))
)

runCommandLine("classify", Command.run(command, { name: "classify", version: "0.1.0" })(process.argv))
