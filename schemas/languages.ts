import { Schema } from "effect"

/** Languages the project tags and generates. ISO 639-1. */
export const LANGUAGES = ["en", "fr", "de", "es", "it", "pt", "nl", "ar"] as const
export const Lang = Schema.Literal(...LANGUAGES)
export type Lang = typeof Lang.Type

/** The four languages the paper evaluates. */
export const BENCHMARK_LANGUAGES = ["en", "fr", "de", "es"] as const
export const BenchmarkLang = Schema.Literal(...BENCHMARK_LANGUAGES)
export type BenchmarkLang = typeof BenchmarkLang.Type
