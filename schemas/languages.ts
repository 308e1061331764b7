import { Schema } from "effect"

/**
 * A language: an ISO 639-1 code (two lower-case letters). The set is open: every source
 * declares its own, and the data decide which languages the project has.
 */
export const Lang = Schema.String.pipe(
  Schema.pattern(/^[a-z]{2}$/, { message: () => "a language must be an ISO 639-1 code (two lower-case letters, e.g. \"de\")" })
)
export type Lang = typeof Lang.Type

/**
 * The languages the generator writes and language ID checks (the seed's first eight). Rows of
 * other languages keep the language their source declares.
 */
export const CORE_LANGUAGES = ["en", "fr", "de", "es", "it", "pt", "nl", "ar"] as const
export type CoreLang = (typeof CORE_LANGUAGES)[number]
export const isCoreLanguage = (l: string): l is CoreLang => (CORE_LANGUAGES as ReadonlyArray<string>).includes(l)

/** The four languages the paper evaluates. */
export const BENCHMARK_LANGUAGES = ["en", "fr", "de", "es"] as const
export const BenchmarkLang = Schema.Literal(...BENCHMARK_LANGUAGES)
export type BenchmarkLang = typeof BenchmarkLang.Type
