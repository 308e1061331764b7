/**
 * Quality gates for generated rewrites. Each gate returns pass/fail with a reason code, so the
 * filter stage can drop a proposal and count why. Gates:
 * - length: |length(output) − length(seed)| ≤ 200 characters (the paper's rule)
 * - not-identical: the rewrite differs from the seed beyond whitespace (case counts: random
 *   casing is an obfuscation)
 * - lang-id: a language detector agrees with the language the rewrite claims
 * - untranslated: share of tokens MT / dictionary substitution left untranslated ≤ a threshold
 * - spelling: share of words hunspell rejects in the rewrite's language ≤ a threshold
 *
 * Spelling is judged by Hunspell (src/language/hunspell.ts), one process per language per batch.
 */
import { Effect } from "effect"
import type { Lang } from "../../schemas/index.ts"
import { HUNSPELL_DICTS, misspelledRatios, type SpellCheckError } from "../language/hunspell.ts"
import type { RewriteOutput } from "./operators/operator.ts"

export type GateName = "length" | "not-identical" | "lang-id" | "untranslated" | "spelling"
export const GATES: ReadonlyArray<GateName> = ["length", "not-identical", "lang-id", "untranslated", "spelling"]

export interface GateResult {
  readonly gate: GateName
  readonly pass: boolean
  /** "ok", a failure code ("length-change-over-max", "lang-mismatch-fr", …) or "not-applicable". */
  readonly reason: string
  /** The measured quantity, when there is one (characters, ratio, detected-language score). */
  readonly value?: number
}

export interface GateThresholds {
  readonly maxLengthChange: number
  readonly maxUntranslated: number
  readonly maxMisspelled: number
}

/** Defaults: the paper's 200 characters; ratios chosen on the seed sample (see report). */
export const DEFAULT_THRESHOLDS: GateThresholds = { maxLengthChange: 200, maxUntranslated: 0.15, maxMisspelled: 0.2 }

/** Signature of `detectLanguage` in src/data/langid.ts (injected so tests can fake it). */
export type LanguageDetector = (text: string) => { readonly lang: Lang | "und"; readonly score: number }

export const lengthGate = (seed: string, output: string, max = DEFAULT_THRESHOLDS.maxLengthChange): GateResult => {
  const change = Math.abs([...output].length - [...seed].length)
  return { gate: "length", pass: change <= max, reason: change <= max ? "ok" : "length-change-over-max", value: change }
}

const normalize = (s: string) => s.normalize("NFC").replace(/\s+/g, " ").trim()

export const notIdenticalGate = (seed: string, output: string): GateResult => {
  const same = normalize(seed) === normalize(output)
  return { gate: "not-identical", pass: !same, reason: same ? "identical-to-seed" : "ok" }
}

const CODE_MIXED = "not-applicable-code-mixed"

export const langIdGate = (detect: LanguageDetector, output: RewriteOutput): GateResult => {
  if (output.codeMixed) return { gate: "lang-id", pass: true, reason: CODE_MIXED }
  const d = detect(output.text)
  if (d.lang === "und") return { gate: "lang-id", pass: false, reason: "lang-undetermined", value: d.score }
  const pass = d.lang === output.lang
  return { gate: "lang-id", pass, reason: pass ? "ok" : `lang-mismatch-${d.lang}`, value: d.score }
}

export const untranslatedGate = (output: RewriteOutput, max = DEFAULT_THRESHOLDS.maxUntranslated): GateResult => {
  if (output.untranslated === undefined) return { gate: "untranslated", pass: true, reason: "not-applicable" }
  const pass = output.untranslated <= max
  return { gate: "untranslated", pass, reason: pass ? "ok" : "untranslated-over-max", value: output.untranslated }
}

/** `ratio` null: no dictionary for the language, so the gate cannot judge and lets it pass. */
export const spellingGate = (ratio: number | null, max = DEFAULT_THRESHOLDS.maxMisspelled): GateResult => {
  if (ratio === null) return { gate: "spelling", pass: true, reason: "not-applicable" }
  const pass = ratio <= max
  return { gate: "spelling", pass, reason: pass ? "ok" : "misspelled-over-max", value: ratio }
}

// ---------------------------------------------------------------------------------------------
// All gates on a batch

export interface GateInput {
  readonly seed: string
  readonly output: RewriteOutput
}

export interface GateVerdict {
  readonly pass: boolean
  readonly results: ReadonlyArray<GateResult>
}

export interface GateOptions {
  readonly detect: LanguageDetector
  readonly thresholds?: Partial<GateThresholds>
  /** Gates to run (default: all). A gate not run is not reported. */
  readonly gates?: ReadonlyArray<GateName>
}

/**
 * Run the gates on a batch (one hunspell process per output language). A language without a
 * hunspell dictionary passes the spelling gate as "not-applicable"; a dictionary that should be
 * there but is not fails the whole batch with the missing package named.
 */
export const evaluateGates = (
  items: ReadonlyArray<GateInput>,
  opts: GateOptions
): Effect.Effect<ReadonlyArray<GateVerdict>, SpellCheckError> =>
  Effect.gen(function* () {
    const th = { ...DEFAULT_THRESHOLDS, ...opts.thresholds }
    const run = new Set(opts.gates ?? GATES)
    const spelling: Array<number | null> = new Array(items.length).fill(null)
    if (run.has("spelling")) {
      const byLang = new Map<Lang, Array<number>>()
      items.forEach((it, i) => {
        if (!HUNSPELL_DICTS[it.output.lang] || it.output.codeMixed) return
        const g = byLang.get(it.output.lang)
        if (g) g.push(i)
        else byLang.set(it.output.lang, [i])
      })
      for (const [lang, idx] of byLang) {
        const ratios = yield* misspelledRatios(idx.map((i) => items[i].output.text), lang)
        ratios.forEach((r, k) => {
          spelling[idx[k]] = r
        })
      }
    }
    return items.map((it, i) => {
      const results: Array<GateResult> = []
      if (run.has("length")) results.push(lengthGate(it.seed, it.output.text, th.maxLengthChange))
      if (run.has("not-identical")) results.push(notIdenticalGate(it.seed, it.output.text))
      if (run.has("lang-id")) results.push(langIdGate(opts.detect, it.output))
      if (run.has("untranslated")) results.push(untranslatedGate(it.output, th.maxUntranslated))
      if (run.has("spelling")) {
        results.push(it.output.codeMixed ? { gate: "spelling", pass: true, reason: CODE_MIXED } : spellingGate(spelling[i], th.maxMisspelled))
      }
      return { pass: results.every((r) => r.pass), results }
    })
  })
