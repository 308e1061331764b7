/**
 * Config loading: a JSON file decoded by a Schema, then CLI overrides on top
 * (`--set key.path=value`), decoded again so an override can't smuggle in a bad value.
 */
import { Effect, ParseResult, Schema } from "effect"
import * as fs from "node:fs"
import { FileError } from "../data/errors.ts"

export class ConfigError extends Schema.TaggedError<ConfigError>()("ConfigError", {
  source: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `invalid config (${this.source}): ${this.reason}`
  }
}

// Keys that would walk from a plain object into Object.prototype (`--set __proto__.x=1`).
const FORBIDDEN_KEYS = new Set(["__proto__", "prototype", "constructor"])

const setPath = (obj: Record<string, unknown>, dotted: string, value: unknown) => {
  const keys = dotted.split(".")
  for (const k of keys) {
    if (k === "") throw new Error(`override key "${dotted}" has an empty part`)
    if (FORBIDDEN_KEYS.has(k)) throw new Error(`override key "${dotted}" uses the reserved name "${k}"`)
  }
  let cur: Record<string, unknown> = obj
  for (const k of keys.slice(0, -1)) {
    if (!Object.hasOwn(cur, k) || typeof cur[k] !== "object" || cur[k] === null) cur[k] = {}
    cur = cur[k] as Record<string, unknown>
  }
  cur[keys[keys.length - 1]] = value
}

/**
 * The dotted path of the first number in `value` that is not finite, if any. JSON reads
 * `1e999` as Infinity, which Schema.Number accepts (`batch.maxWaitMs=1e999` made every request
 * wait forever).
 */
const nonFinitePath = (value: unknown, at: string, depth = 0): string | undefined => {
  if (typeof value === "number") return Number.isFinite(value) ? undefined : at
  if (typeof value !== "object" || value === null || depth > 64) return undefined
  for (const [k, v] of Object.entries(value)) {
    const found = nonFinitePath(v, at === "" ? k : Array.isArray(value) ? `${at}[${k}]` : `${at}.${k}`, depth + 1)
    if (found !== undefined) return found
  }
  return undefined
}

/** Parse "a.b=3" into a path and a JSON value (falls back to the raw string). */
export const parseOverride = (s: string): [string, unknown] => {
  const eq = s.indexOf("=")
  if (eq <= 0) throw new Error(`override "${s}" is not key=value`)
  const raw = s.slice(eq + 1)
  let value: unknown = raw
  try {
    value = JSON.parse(raw)
  } catch {
    /* a bare string */
  }
  return [s.slice(0, eq), value]
}

export const loadConfig = <A, I>(
  schema: Schema.Schema<A, I>,
  defaults: I,
  opts: { readonly file?: string; readonly overrides?: ReadonlyArray<string> } = {}
): Effect.Effect<A, ConfigError | FileError> =>
  Effect.gen(function* () {
    let raw: Record<string, unknown> = structuredClone(defaults) as Record<string, unknown>
    if (opts.file) {
      const file = opts.file
      const text = yield* Effect.try({
        try: () => fs.readFileSync(file, "utf8"),
        catch: (e) => new FileError({ path: file, reason: String(e) })
      })
      const parsed = yield* Effect.try({
        try: () => JSON.parse(text) as Record<string, unknown>,
        catch: (e) => new ConfigError({ source: file, reason: `not JSON: ${String(e)}` })
      })
      raw = { ...raw, ...parsed }
    }
    for (const o of opts.overrides ?? []) {
      const [k, v] = yield* Effect.try({
        try: () => parseOverride(o),
        catch: (e) => new ConfigError({ source: "--set", reason: String((e as Error).message) })
      })
      yield* Effect.try({
        try: () => setPath(raw, k, v),
        catch: (e) => new ConfigError({ source: "--set", reason: (e as Error).message })
      })
      const bad = nonFinitePath(v, k)
      if (bad !== undefined) return yield* new ConfigError({ source: "--set", reason: `${bad} is not a finite number (${o})` })
    }
    const bad = nonFinitePath(raw, "")
    if (bad !== undefined) return yield* new ConfigError({ source: opts.file ?? "defaults", reason: `${bad} is not a finite number` })
    return yield* Schema.decodeUnknown(schema, { onExcessProperty: "error" })(raw).pipe(
      Effect.mapError(
        (e) => new ConfigError({ source: opts.file ?? "defaults", reason: ParseResult.TreeFormatter.formatErrorSync(e) })
      )
    )
  })
