/**
 * Compare self-play runs (e.g. one config under several seeds):
 *
 *   npx tsx pipelines/compare-runs.ts runs/default runs/seed-1 runs/seed-2 [--out FILE]
 *
 * Reads each run's iter-N/eval/table1.json and prints (or writes) a Markdown table of the
 * six-benchmark average F1 per language and iteration, with the mean ± standard deviation over
 * the runs and the change of the Fr/De/Es mean from iteration 0 to the last (src/game/compare.ts);
 * then the same for the generalization check (iter-N/generalization.json), which is what counts,
 * and for the cross-lingual check's AUPRC (iter-N/crosslingual.json).
 * The files are read through src/game/run-folder.ts.
 */
import { Args, Command } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import * as path from "node:path"
import { FileError } from "../src/data/errors.ts"
import { writeFileAtomic } from "../src/data/parquet.ts"
import { compareChecksMarkdown, compareCrosslingualMarkdown, compareRunsMarkdown } from "../src/game/compare.ts"
import { evaluatedIterations, ITER, iterationFolders, iterDir, readIfPresent } from "../src/game/run-folder.ts"
import { optionalText, runCommandLine } from "../src/runtime/cli.ts"

const runDirs = Args.directory({ name: "run", exists: "yes" }).pipe(Args.atLeast(1))
const out = optionalText("out", "write the Markdown here instead of printing it")

const command = Command.make("compare-runs", { runDirs, out }, (args) =>
  Effect.gen(function* () {
    const runs = yield* Effect.forEach(args.runDirs, (dir) =>
      Effect.gen(function* () {
        const ts = evaluatedIterations(dir)
        if (ts.length === 0) return yield* new FileError({ path: dir, reason: `no ${path.relative(dir, ITER.table1.at(iterDir(dir, 0)))}: not an evaluated run folder` })
        return { run: path.basename(path.resolve(dir)), iterations: yield* Effect.forEach(ts, (t) => ITER.table1.read(iterDir(dir, t))) }
      })
    )
    // A check file that is not JSON or does not match its Schema is an error naming it, not a crash.
    const checks = yield* Effect.forEach(args.runDirs, (dir) =>
      Effect.map(Effect.forEach(iterationFolders(dir), (t) => readIfPresent(ITER.generalization, iterDir(dir, t))), (iterations) => ({
        run: path.basename(path.resolve(dir)),
        iterations
      }))
    )
    const crosslingual = yield* Effect.forEach(args.runDirs, (dir) =>
      Effect.map(Effect.forEach(iterationFolders(dir), (t) => readIfPresent(ITER.crosslingual, iterDir(dir, t))), (iterations) => ({
        run: path.basename(path.resolve(dir)),
        iterations
      }))
    )
    const hasEnds = <S>(r: { readonly iterations: ReadonlyArray<S | null> }) => Boolean(r.iterations[0] && r.iterations[r.iterations.length - 1])
    const withChecks = checks.filter(hasEnds)
    const withCrosslingual = crosslingual.filter(hasEnds)
    const markdown =
      compareRunsMarkdown(runs) +
      (withChecks.length > 0 ? `\n## Generalization check (held-out sources and everyday text)\n\n${compareChecksMarkdown(withChecks)}` : "") +
      (withCrosslingual.length > 0
        ? `\n## Cross-lingual check (English validation requests and their Apertium translations; flatters the game, which translates with the same pairs)\n\n${compareCrosslingualMarkdown(withCrosslingual)}`
        : "")
    yield* Option.match(args.out, {
      onNone: () => Console.log(markdown),
      onSome: (file) => writeFileAtomic(file, markdown)
    })
  })
)

runCommandLine("compare-runs", Command.run(command, { name: "compare-runs", version: "0.1.0" })(process.argv))
