/** What every command line in pipelines/ shares: path defaults and readable error lines. */
import { Option } from "effect"
import * as path from "node:path"

/** The repository root (paths in manifests are stored relative to it). */
export const repoRoot = path.resolve(import.meta.dirname, "../..")

/** A path the user typed is relative to where they are; a default is relative to the repo. */
export const resolvePath = (given: Option.Option<string>, fallback: string): string =>
  Option.match(given, { onNone: () => path.resolve(repoRoot, fallback), onSome: (p) => path.resolve(p) })

/** One line for a typed error: its tag and message (or reason). */
export const describeError = (e: unknown): string => {
  const err = e as { _tag?: string; message?: string; reason?: string; cause?: unknown }
  let text = err.message || err.reason || String(e)
  // Some errors only wrap another (e.g. the platform's ServeError around a failed listen).
  const cause = (err.cause as { message?: unknown } | undefined)?.message
  if (typeof cause === "string" && cause !== "" && !text.includes(cause)) text = text === err._tag ? cause : `${text}: ${cause}`
  return err._tag ? `${err._tag}: ${text}` : text
}
