/**
 * An external guard trainer: a configured command (e.g. `accelerate launch train.py …` on a GPU
 * cluster) that replaces the in-process tfjs trainer for an iteration. The contract:
 *
 *   inputs   {table}     Parquet of the iteration's training rows (the seed table's columns;
 *                        `split` = train | validation)
 *            {settings}  JSON: iteration, seed, paths, the run's guard config, category order
 *   output   {out}       a guard folder: the project's tfjs format or an exported Hugging Face
 *                        classifier in ONNX (src/guard/onnx/folder.ts)
 *   exit     0 = trained; 64 (EX_USAGE) = bad settings, not retried; anything else, or no exit
 *            within timeoutMs, is retried up to `retries` times with backoff
 *
 * {table}, {settings} and {out} in the command are replaced by absolute paths, which are also
 * in the environment as DUOGUARD_TRAIN_TABLE, DUOGUARD_TRAIN_SETTINGS and DUOGUARD_GUARD_OUT.
 * The command runs in the repository root, without a shell; its output goes to the run log
 * (stderr, each line prefixed) and to `trainer/trainer.log` in the iteration's folder.
 */
import { Data, Duration, Effect, ParseResult, Schedule, Schema } from "effect"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import { Prediction } from "../../schemas/prediction.ts"
import { GuardError, loadGuard } from "../guard/guard.ts"
import type { Backend } from "../runtime/backend.ts"
import type { ExternalTrainer } from "./config.ts"

/** Exit status meaning "the settings are wrong": trying again cannot help. */
export const EX_USAGE = 64

export class TrainerError extends Data.TaggedError("TrainerError")<{
  readonly command: string
  readonly reason: string
  readonly transient: boolean
}> {
  override get message() {
    return `external guard trainer \`${this.command}\`: ${this.reason}`
  }
}

export interface TrainerPaths {
  readonly table: string
  readonly settings: string
  readonly out: string
  /** Where the command's output is appended (besides stderr). */
  readonly log: string
  readonly cwd: string
}

export const substitute = (argv: ReadonlyArray<string>, p: TrainerPaths): Array<string> =>
  argv.map((a) => a.replaceAll("{table}", p.table).replaceAll("{settings}", p.settings).replaceAll("{out}", p.out))

/** One attempt: resolves on exit 0; the process group is killed if the attempt is interrupted (timeout). */
const attempt = (argv: ReadonlyArray<string>, p: TrainerPaths, shown: string, n: number) =>
  Effect.async<void, TrainerError>((resume) => {
    const log = fs.openSync(p.log, "a")
    const write = (line: string) => {
      fs.writeSync(log, `${line}\n`)
      process.stderr.write(`[trainer] ${line}\n`)
    }
    write(`── attempt ${n}: ${shown}`)
    const child = spawn(argv[0], argv.slice(1), {
      cwd: p.cwd,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, DUOGUARD_TRAIN_TABLE: p.table, DUOGUARD_TRAIN_SETTINGS: p.settings, DUOGUARD_GUARD_OUT: p.out }
    })
    for (const stream of [child.stdout, child.stderr]) {
      let rest = ""
      stream.setEncoding("utf8")
      stream.on("data", (chunk: string) => {
        const lines = (rest + chunk).split("\n")
        rest = lines.pop() ?? ""
        lines.forEach(write)
      })
      stream.on("end", () => rest !== "" && write(rest))
    }
    let done = false
    const finish = (e: TrainerError | null) => {
      if (done) return
      done = true
      fs.closeSync(log)
      resume(e === null ? Effect.void : Effect.fail(e))
    }
    child.on("error", (e) => finish(new TrainerError({ command: shown, reason: `cannot start: ${e.message}`, transient: false })))
    child.on("close", (code, signal) =>
      finish(
        code === 0
          ? null
          : new TrainerError({
            command: shown,
            reason: signal !== null ? `killed by ${signal}` : `exit code ${code}${code === EX_USAGE ? " (bad settings: not retried)" : ""}`,
            transient: code !== EX_USAGE
          })
      )
    )
    return Effect.sync(() => {
      if (child.exitCode === null && child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL")
        } catch {
          /* already gone */
        }
      }
    })
  })

/** Run the trainer with its timeout and retries (exponential backoff from 1 s, jittered). */
export const runExternalTrainer = (spec: ExternalTrainer, p: TrainerPaths): Effect.Effect<void, TrainerError> => {
  const argv = substitute(spec.command, p)
  const shown = spec.command.join(" ")
  let n = 0
  return Effect.suspend(() => {
    n += 1
    return attempt(argv, p, shown, n).pipe(
      Effect.timeoutFail({
        duration: Duration.millis(spec.timeoutMs),
        onTimeout: () => new TrainerError({ command: shown, reason: `no exit within ${spec.timeoutMs} ms (killed)`, transient: true })
      })
    )
  }).pipe(
    Effect.retry({
      schedule: Schedule.exponential(Duration.seconds(1), 2).pipe(Schedule.jittered, Schedule.intersect(Schedule.recurs(spec.retries))),
      while: (e) => e.transient
    }),
    Effect.mapError((e) => (spec.retries > 0 && e.transient ? new TrainerError({ ...e, reason: `${e.reason}, after ${spec.retries} retries` }) : e))
  )
}

/**
 * The trainer's folder must be a guard this project can run: it loads (tfjs or ONNX) and gives
 * valid predictions (schemas/prediction.ts) for `probe`, else the game stops here.
 */
export const checkTrainedGuard = (dir: string, probe: ReadonlyArray<string>): Effect.Effect<string, GuardError, Backend> =>
  Effect.scoped(
    Effect.gen(function* () {
      if (!fs.existsSync(dir)) return yield* new GuardError({ reason: `the trainer exited 0 but wrote no guard folder at ${dir}` })
      const guard = yield* loadGuard(dir)
      const preds = yield* guard.classify(probe)
      yield* Schema.decodeUnknown(Schema.Array(Prediction))(preds).pipe(
        Effect.mapError((e) => new GuardError({ reason: `the guard the trainer wrote to ${dir} gives invalid predictions: ${ParseResult.TreeFormatter.formatErrorSync(e)}` }))
      )
      if (preds.length !== probe.length) return yield* new GuardError({ reason: `the guard in ${dir} gave ${preds.length} predictions for ${probe.length} texts` })
      return guard.backend
    })
  )
