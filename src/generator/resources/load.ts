/**
 * Loading the generator's committed resources (function words, templates): JSON files next to
 * this module, decoded by a Schema so a bad edit fails with the file and the field.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Data, Effect, ParseResult, Schema } from "effect"
import { CORE_LANGUAGES } from "../../../schemas/index.ts"

export class ResourceError extends Data.TaggedError("ResourceError")<{
  readonly path: string
  readonly reason: string
}> {
  override get message() {
    return `${this.path}: ${this.reason}`
  }
}

/** Folder of the committed resources (this module's own folder). */
export const RESOURCES_DIR = path.dirname(fileURLToPath(import.meta.url))

const cache = new Map<string, unknown>()

/** Read and decode a JSON resource once per process. `file` is relative to RESOURCES_DIR. */
export const loadResource = <A, I>(file: string, schema: Schema.Schema<A, I>): Effect.Effect<A, ResourceError> =>
  Effect.suspend(() => {
    const full = path.join(RESOURCES_DIR, file)
    if (cache.has(full)) return Effect.succeed(cache.get(full) as A)
    return Effect.try({
      try: () => JSON.parse(fs.readFileSync(full, "utf8")) as unknown,
      catch: (e) => new ResourceError({ path: full, reason: e instanceof SyntaxError ? `not JSON: ${e.message}` : String(e) })
    }).pipe(
      Effect.flatMap((raw) =>
        Schema.decodeUnknown(schema, { onExcessProperty: "error" })(raw).pipe(
          Effect.mapError((e) => new ResourceError({ path: full, reason: ParseResult.TreeFormatter.formatErrorSync(e) }))
        )
      ),
      Effect.tap((a) => Effect.sync(() => cache.set(full, a)))
    )
  })

/** A record keyed by language code; keys outside CORE_LANGUAGES are rejected. */
export const ByLang = <A, I>(value: Schema.Schema<A, I>) =>
  Schema.Record({ key: Schema.String, value }).pipe(
    Schema.filter((r) => {
      const bad = Object.keys(r).filter((k) => !(CORE_LANGUAGES as ReadonlyArray<string>).includes(k))
      return bad.length === 0 || `unknown language key(s): ${bad.join(", ")} (known: ${CORE_LANGUAGES.join(", ")})`
    })
  )

export const FunctionWords = Schema.Struct({
  /** Function words per language: never substituted, not counted as content. */
  stopwords: ByLang(Schema.Array(Schema.String)),
  /** English function word → a default translation, for word-by-word translation at rate 1. */
  fromEnglish: ByLang(Schema.Record({ key: Schema.String, value: Schema.String }))
})
export type FunctionWords = typeof FunctionWords.Type

export const loadFunctionWords = loadResource("function-words.json", FunctionWords)
