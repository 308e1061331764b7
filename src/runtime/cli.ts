/** What every command line in pipelines/ shares: path defaults and readable error lines. */
import { Options, ValidationError } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Cause, Console, Effect, Option } from "effect"
import * as path from "node:path"

/** The repository root (paths in manifests are stored relative to it). */
export const repoRoot = path.resolve(import.meta.dirname, "../..")

/** A path the user typed is relative to where they are; a default is relative to the repo. */
export const resolvePath = (given: Option.Option<string>, fallback: string): string =>
  Option.match(given, { onNone: () => path.resolve(repoRoot, fallback), onSome: (p) => path.resolve(p) })

/** `--NAME TEXT` that may be left out (Option.none(); `resolvePath` gives a path option its default). */
export const optionalText = (name: string, description: string) => Options.text(name).pipe(Options.withDescription(description), Options.optional)

/** `--set key.path=VALUE`, repeatable: overrides on top of the config (loadConfig in config.ts). */
export const setOption = (example: string) =>
  Options.text("set").pipe(Options.withDescription(`override a setting, e.g. --set ${example} (repeatable)`), Options.repeated)

/** `--operating-point NAME`: a calibration saved with the model (guard.ts `LoadOptions`). */
export const operatingPointOption = optionalText(
  "operating-point",
  'a calibration saved with the model: "balanced" (its default) or "observed" (fewer false flags on mostly-benign traffic)'
)

/** One line for a typed error: its tag and message (or reason). */
export const describeError = (e: unknown): string => {
  const err = e as { _tag?: string; message?: string; reason?: string; cause?: unknown }
  let text = err.message || err.reason || String(e)
  // Some errors only wrap another (e.g. the platform's ServeError around a failed listen).
  const cause = (err.cause as { message?: unknown } | undefined)?.message
  if (typeof cause === "string" && cause !== "" && !text.includes(cause)) text = text === err._tag ? cause : `${text}: ${cause}`
  return err._tag ? `${err._tag}: ${text}` : text
}

/**
 * Run a pipeline's command line. What reaches here unhandled is printed once, readably:
 * a mistake in the arguments has already been printed by @effect/cli (with the usage), so it
 * adds nothing; a typed failure is one `name: Tag: message` line; a defect (a bug) shows its
 * full trace. The exit code is 1 for all three.
 */
export const runCommandLine = <E>(name: string, program: Effect.Effect<void, E, NodeContext.NodeContext>): void =>
  program.pipe(
    Effect.tapErrorCause((cause) => {
      if (Cause.isInterruptedOnly(cause)) return Effect.void
      const failure = Cause.failureOption(cause)
      if (Option.isSome(failure) && ValidationError.isValidationError(failure.value)) return Effect.void
      return Console.error(`${name}: ${Option.match(failure, { onNone: () => Cause.pretty(cause), onSome: describeError })}`)
    }),
    Effect.provide(NodeContext.layer),
    NodeRuntime.runMain({ disableErrorReporting: true })
  )
