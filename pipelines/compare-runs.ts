/**
 * Compare self-play runs (e.g. one config under several seeds):
 *
 *   npx tsx pipelines/compare-runs.ts runs/default runs/seed-1 runs/seed-2 [--out FILE]
 *
 * Reads each run's iter-N/eval/table1.json and prints (or writes) a Markdown table of the
 * six-benchmark average F1 per language and iteration, with the mean ± standard deviation over
 * the runs and the change of the Fr/De/Es mean from iteration 0 to the last (src/game/compare.ts);
 * then the same for the generalization check (iter-N/generalization.json), which is what counts.
 */
import { Args, Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { FileError } from "../src/data/errors.ts"
import { writeFileAtomic } from "../src/data/parquet.ts"
import { readTable1Json } from "../src/eval/report.ts"
import { compareChecksMarkdown, compareRunsMarkdown } from "../src/game/compare.ts"
import type { GeneralizationResult } from "../src/eval/generalization.ts"
import { GENERALIZATION_FILE } from "../src/game/stages.ts"
import { runCommandLine } from "../src/runtime/cli.ts"

const runDirs = Args.directory({ name: "run", exists: "yes" }).pipe(Args.atLeast(1))
const out = Options.text("out").pipe(Options.withDescription("write the Markdown here instead of printing it"), Options.optional)

/** Iteration folders with an evaluated guard, in order; stops at the first one without. */
const evaluatedIterations = (runDir: string) => {
  const files: Array<string> = []
  for (let t = 0; fs.existsSync(path.join(runDir, `iter-${t}`, "eval", "table1.json")); t++) {
    files.push(path.join(runDir, `iter-${t}`, "eval", "table1.json"))
  }
  return files
}

const command = Command.make("compare-runs", { runDirs, out }, (args) =>
  Effect.gen(function* () {
    const runs = yield* Effect.forEach(args.runDirs, (dir) =>
      Effect.gen(function* () {
        const files = evaluatedIterations(dir)
        if (files.length === 0) return yield* new FileError({ path: dir, reason: "no iter-0/eval/table1.json: not an evaluated run folder" })
        return { run: path.basename(path.resolve(dir)), iterations: yield* Effect.forEach(files, readTable1Json) }
      })
    )
    // A check file that is not JSON or has no summary is an error naming it, not a crash.
    const readCheck = (file: string) =>
      Effect.try({
        try: () => {
          const g = JSON.parse(fs.readFileSync(file, "utf8")) as GeneralizationResult
          if (typeof g?.summary?.macroAuroc !== "number") throw new Error("no summary.macroAuroc")
          return g
        },
        catch: (e) => new FileError({ path: file, reason: `not a generalization check: ${(e as Error).message}` })
      })
    const checks = yield* Effect.forEach(args.runDirs, (dir) =>
      Effect.gen(function* () {
        const iterations: Array<GeneralizationResult | null> = []
        for (let t = 0; fs.existsSync(path.join(dir, `iter-${t}`)); t++) {
          const file = path.join(dir, `iter-${t}`, GENERALIZATION_FILE)
          iterations.push(fs.existsSync(file) ? yield* readCheck(file) : null)
        }
        return { run: path.basename(path.resolve(dir)), iterations }
      })
    )
    const withChecks = checks.filter((c) => c.iterations[0] && c.iterations[c.iterations.length - 1])
    const markdown =
      compareRunsMarkdown(runs) +
      (withChecks.length > 0 ? `\n## Generalization check (held-out sources and everyday text)\n\n${compareChecksMarkdown(withChecks)}` : "")
    yield* Option.match(args.out, {
      onNone: () => Console.log(markdown),
      onSome: (file) => writeFileAtomic(file, markdown)
    })
  })
)

runCommandLine("compare-runs", Command.run(command, { name: "compare-runs", version: "0.1.0" })(process.argv))
