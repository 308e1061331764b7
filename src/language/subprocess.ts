/**
 * Running Debian tools (apertium, hunspell) as child processes: text in on stdin, text out.
 * Node's child stdin is a socket, and apertium's mode scripts open /dev/stdin, which fails on a
 * socket and yields empty output — so such tools are wrapped as `sh -c 'cat | tool …'`.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { Data, Duration, Effect, Schedule } from "effect"

export class SubprocessError extends Data.TaggedError("SubprocessError")<{
  readonly command: string
  readonly reason: string
  /** Worth retrying: the process crashed or was killed, not "command not found". */
  readonly transient: boolean
}> {
  override get message() {
    return `${this.command}: ${this.reason}`
  }
}

/** Quote a word for sh (single quotes). */
export const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`

/** Run `sh -c script`, feeding `input` on stdin; succeed with stdout when the exit code is 0. */
export const runShell = (script: string, input: string): Effect.Effect<string, SubprocessError> =>
  Effect.async<string, SubprocessError>((resume) => {
    const child = spawn("sh", ["-c", script], { stdio: ["pipe", "pipe", "pipe"] })
    const out: Array<Buffer> = []
    const err: Array<Buffer> = []
    let settled = false
    const finish = (e: Effect.Effect<string, SubprocessError>) => {
      if (!settled) {
        settled = true
        resume(e)
      }
    }
    child.stdout.on("data", (b: Buffer) => out.push(b))
    child.stderr.on("data", (b: Buffer) => err.push(b))
    child.on("error", (e) =>
      finish(Effect.fail(new SubprocessError({ command: script, reason: `could not start: ${e.message}`, transient: true })))
    )
    child.on("close", (code, signal) => {
      const stderr = Buffer.concat(err).toString("utf8").trim().slice(0, 500)
      if (code === 0) return finish(Effect.succeed(Buffer.concat(out).toString("utf8")))
      // 127: sh could not find the command — retrying will not help.
      finish(Effect.fail(new SubprocessError({
        command: script,
        reason: signal ? `killed by ${signal}` : `exit code ${code}${stderr ? `: ${stderr}` : ""}`,
        transient: code !== 127
      })))
    })
    // A child that exits early closes its stdin; that is reported by "close", not as EPIPE.
    child.stdin.on("error", () => {})
    child.stdin.end(input, "utf8")
    return Effect.sync(() => {
      child.kill("SIGKILL")
    })
  })

/** Bounded exponential backoff with jitter for crashed child processes: 4 tries in all. */
export const childRetry = Schedule.exponential(Duration.millis(100), 2).pipe(
  Schedule.jittered,
  Schedule.intersect(Schedule.recurs(3))
)

/** `runShell` retried on transient failures only. */
export const runShellRetrying = (script: string, input: string): Effect.Effect<string, SubprocessError> =>
  runShell(script, input).pipe(Effect.retry({ schedule: childRetry, while: (e) => e.transient }))

/** Absolute path of an executable on PATH, or null. */
export const which = (cmd: string): string | null => {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue
    const p = path.join(dir, cmd)
    try {
      fs.accessSync(p, fs.constants.X_OK)
      return p
    } catch {
      /* not here */
    }
  }
  return null
}
