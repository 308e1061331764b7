/**
 * The cross-lingual check: how well does a guard recognize requests it learned in English once
 * they are in Spanish or French? Not a benchmark — built from the seed's own validation split:
 * the English validation rows of the request-like sources (harmful requests, jailbreaks, benign
 * instructions, ToxiGen statements), machine-translated with Apertium (lines with ≥ 20 % unknown
 * words dropped). Guards never train on validation rows, so this is held out, and it is what
 * feature and calibration choices that concern other languages are judged on (README).
 */
import { Effect, Schema } from "effect"
import type { Example } from "../../schemas/example.ts"
import { checkChains, route, translateBatch } from "../language/apertium.ts"
import type { OperatorError, OperatorUnavailable } from "../language/errors.ts"
import { binaryMetrics, type BinaryMetrics } from "../guard/metrics.ts"
import { FLAG_THRESHOLD } from "../../schemas/taxonomy.ts"
import { JsonNumber } from "../runtime/json.ts"

export const REQUEST_SOURCES: ReadonlySet<string> = new Set([
  "harmbench", "strongreject", "harmful-instructions", "advbench", "jailbreakchat", "roleplay-benign",
  "alpaca", "toxigen", "selfreminder-itw", "selfreminder"
])

/** The languages the English rows are translated into. */
export const CROSSLINGUAL_LANGS = ["es", "fr"] as const

export const DevRow = Schema.Struct({
  id: Schema.String,
  text: Schema.String,
  lang: Schema.Literal("en", "es", "fr"),
  unsafe: Schema.Boolean
})
export type DevRow = typeof DevRow.Type

/** The English rows and their Spanish and French translations. */
export const buildCrosslingualDev = (
  seed: ReadonlyArray<Example>
): Effect.Effect<Array<DevRow>, OperatorError | OperatorUnavailable> =>
  Effect.gen(function* () {
    // Unavailable (not a failed translation) when Apertium is missing, so the caller can skip the check.
    yield* checkChains("crosslingual-dev", CROSSLINGUAL_LANGS.map((lang) => route("en", lang)!))
    const english = seed.filter((r) => r.split === "validation" && r.lang === "en" && REQUEST_SOURCES.has(r.source))
    const rows: Array<DevRow> = english.map((r) => ({ id: r.id, text: r.text, lang: "en", unsafe: r.unsafe }))
    for (const lang of CROSSLINGUAL_LANGS) {
      const translated = yield* translateBatch("crosslingual-dev", english.map((r) => r.text), route("en", lang)!)
      english.forEach((r, i) => {
        const t = translated[i]
        if (t !== null && t.untranslated < 0.2) rows.push({ id: `${r.id}-${lang}`, text: t.text, lang, unsafe: r.unsafe })
      })
    }
    return rows
  })

/**
 * F1 as if safe and unsafe rows were equally common (each class weighted half): 2·TPR / (1 + TPR +
 * FPR). The check's rows are 4.5 % unsafe; this reads its verdicts under the prior the guard
 * is calibrated for (calibrate.ts, "balanced").
 */
export const equalPriorF1 = (m: BinaryMetrics): number | null =>
  m.fpr === null || m.nUnsafe === 0 ? null : (2 * m.recall) / (1 + m.recall + m.fpr)

/** Metrics per language at the fixed 0.5 rule (AUPRC is threshold-free). */
export const scoreByLanguage = (rows: ReadonlyArray<DevRow>, unsafe: ReadonlyArray<number>): Record<string, BinaryMetrics> => {
  const out: Record<string, BinaryMetrics> = {}
  for (const lang of ["en", "es", "fr"]) {
    const ix = rows.flatMap((r, i) => (r.lang === lang ? [i] : []))
    out[lang] = binaryMetrics(ix.map((i) => rows[i].unsafe), ix.map((i) => unsafe[i]), FLAG_THRESHOLD)
  }
  return out
}

/** What a run's report shows for one guard: per language, the check's headline numbers. */
export const CrosslingualScore = Schema.Struct({
  n: Schema.Int,
  unsafe: Schema.Int,
  f1: JsonNumber,
  equalPriorF1: Schema.NullOr(Schema.Number),
  flagRate: JsonNumber,
  auprc: Schema.NullOr(Schema.Number)
})
export type CrosslingualScore = typeof CrosslingualScore.Type

export const summarize = (rows: ReadonlyArray<DevRow>, unsafe: ReadonlyArray<number>): Record<string, CrosslingualScore> =>
  Object.fromEntries(
    Object.entries(scoreByLanguage(rows, unsafe)).map(([lang, m]) => [
      lang,
      { n: m.n, unsafe: m.nUnsafe, f1: m.f1, equalPriorF1: equalPriorF1(m), flagRate: m.flagRate, auprc: m.auprc }
    ])
  )
