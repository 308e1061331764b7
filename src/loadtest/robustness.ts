/**
 * The perturbation suite's measurement: unsafe prompts, clean and under each perturbation
 * (perturbations.ts), classified by the guard; the flag rate under each vs clean, overall and
 * per language, and why flags were lost.
 *
 * Diagnosis per perturbation: a perturbed text is "recovered" when the canonicalizer maps it
 * to exactly the clean text's canonical form (then the guard sees identical features, up to
 * the head/tail cut, which happens before canonicalization). Flags lost on unrecovered texts
 * are the canonicalizer's; flags lost on recovered texts come from the length cut. For the
 * unrecovered texts, the most frequent canonical words that the clean text does not have show
 * what the canonicalizer leaves behind.
 */
import { Effect } from "effect"
import type { Prediction } from "../../schemas/prediction.ts"
import { canonicalize } from "../guard/canonicalize.ts"
import type { Guard, GuardError } from "../guard/guard.ts"
import * as md from "../report/markdown.ts"
import { Progress, withProgress } from "../runtime/progress.ts"
import { makeSeed } from "../runtime/seed.ts"
import { perturb, PERTURBATIONS, type Perturbation } from "./perturbations.ts"

export interface SuiteRow {
  readonly text: string
  readonly lang: string
  readonly benchmark: string
}

export interface RateCell {
  readonly n: number
  readonly flagged: number
  /** Flagged share, in percent (2 decimals). */
  readonly flagRate: number
}

export interface PerturbationResult extends RateCell {
  /** Clean flag rate minus this one, in points. */
  readonly drop: number
  readonly byLanguage: Readonly<Record<string, RateCell & { readonly drop: number }>>
  /** Share of texts the perturbation actually changed, in percent. */
  readonly changed: number
  /** Share of texts whose canonical form equals the clean text's, in percent. */
  readonly recovered: number
  /** Flagged clean but not perturbed, split by whether the canonical form was recovered. */
  readonly lost: { readonly unrecovered: number; readonly recovered: number }
  /** Not flagged clean but flagged perturbed. */
  readonly gained: number
  /** Most frequent leftover canonical words on unrecovered texts, with counts. */
  readonly residue: ReadonlyArray<readonly [string, number]>
  /**
   * Up to 5 unrecovered lost flags, by position only: `row` is the index among the suite's rows
   * (re-create the texts with the same rows and seed). Benchmark texts are third-party data and
   * the report is committed, so it never quotes them, clean or perturbed.
   */
  readonly examples: ReadonlyArray<SuiteExample>
}

export interface SuiteExample {
  readonly benchmark: string
  readonly lang: string
  readonly row: number
}

export interface SuiteReport {
  readonly seed: number
  readonly rows: number
  readonly clean: RateCell & { readonly byLanguage: Readonly<Record<string, RateCell>> }
  readonly perturbations: Readonly<Record<Perturbation, PerturbationResult>>
}

const pct = (k: number, n: number) => (n === 0 ? 0 : Math.round((10000 * k) / n) / 100)
const cell = (flags: ReadonlyArray<boolean>, ix: ReadonlyArray<number>): RateCell => {
  const flagged = ix.reduce((a, i) => a + (flags[i] ? 1 : 0), 0)
  return { n: ix.length, flagged, flagRate: pct(flagged, ix.length) }
}
const round2 = (x: number) => Math.round(x * 100) / 100

const WORDS = /[\p{L}\p{M}\p{N}]+/gu

/** Classify in chunks, with progress. */
const classifyAll = (guard: Guard, texts: ReadonlyArray<string>, label: string) =>
  withProgress(label, texts.length, (bar) =>
    Effect.gen(function* () {
      const out: Array<Prediction> = []
      for (let from = 0; from < texts.length; from += 4096) {
        const chunk = texts.slice(from, from + 4096)
        out.push(...(yield* guard.classify(chunk)))
        bar.tick(chunk.length)
      }
      return out
    })
  )

export const runSuite = (
  rows: ReadonlyArray<SuiteRow>,
  guard: Guard,
  seed: number
): Effect.Effect<SuiteReport, GuardError, Progress> =>
  Effect.gen(function* () {
    const seeds = makeSeed(seed)
    const langs = [...new Set(rows.map((r) => r.lang))].sort()
    const byLang = new Map(langs.map((l) => [l, rows.flatMap((r, i) => (r.lang === l ? [i] : []))]))
    const all = rows.map((_, i) => i)
    const clean = rows.map((r) => r.text)
    const cleanFlags = (yield* classifyAll(guard, clean, "classify clean")).map((p) => p.flagged)
    const cleanCanon = clean.map(canonicalize)
    const cleanRate = cell(cleanFlags, all)

    const perturbations = {} as Record<Perturbation, PerturbationResult>
    for (const kind of PERTURBATIONS) {
      // One stream per (perturbation, row): a row's perturbation never depends on the others.
      const texts = clean.map((t, i) => perturb(kind, t, seeds.rng(`perturb/${kind}/${i}`)))
      const flags = (yield* classifyAll(guard, texts, `classify ${kind}`)).map((p) => p.flagged)
      let changed = 0, recovered = 0, lostRecovered = 0, lostUnrecovered = 0, gained = 0
      const residue = new Map<string, number>()
      const examples: Array<SuiteExample> = []
      texts.forEach((t, i) => {
        if (t !== clean[i]) changed++
        const canon = canonicalize(t)
        const same = canon === cleanCanon[i]
        if (same) recovered++
        if (cleanFlags[i] && !flags[i]) {
          if (same) lostRecovered++
          else lostUnrecovered++
        }
        if (!cleanFlags[i] && flags[i]) gained++
        if (!same) {
          const cleanWords = new Set(cleanCanon[i].match(WORDS) ?? [])
          for (const w of new Set(canon.match(WORDS) ?? [])) if (!cleanWords.has(w)) residue.set(w, (residue.get(w) ?? 0) + 1)
          if (cleanFlags[i] && !flags[i] && examples.length < 5 && t.length <= 160) {
            examples.push({ benchmark: rows[i].benchmark, lang: rows[i].lang, row: i })
          }
        }
      })
      const rate = cell(flags, all)
      perturbations[kind] = {
        ...rate,
        drop: round2(cleanRate.flagRate - rate.flagRate),
        byLanguage: Object.fromEntries(
          langs.map((l) => {
            const c = cell(flags, byLang.get(l)!)
            return [l, { ...c, drop: round2(cell(cleanFlags, byLang.get(l)!).flagRate - c.flagRate) }]
          })
        ),
        changed: pct(changed, rows.length),
        recovered: pct(recovered, rows.length),
        lost: { unrecovered: lostUnrecovered, recovered: lostRecovered },
        gained,
        residue: [...residue].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 15),
        examples
      }
    }
    return {
      seed,
      rows: rows.length,
      clean: { ...cleanRate, byLanguage: Object.fromEntries(langs.map((l) => [l, cell(cleanFlags, byLang.get(l)!)])) },
      perturbations
    }
  })

/** The report as a Markdown snippet (flag rates in %, drops in points). */
export const suiteMarkdown = (r: SuiteReport, target: number, model: string): string => {
  const langs = Object.keys(r.clean.byLanguage)
  const rows = [
    ["clean", `${r.clean.flagRate.toFixed(2)} %`, "", ...langs.map((l) => `${r.clean.byLanguage[l].flagRate.toFixed(2)} %`), "", ""],
    ...PERTURBATIONS.map((kind) => {
      const p = r.perturbations[kind]
      return [
        kind,
        `${p.flagRate.toFixed(2)} %`,
        p.drop.toFixed(2),
        ...langs.map((l) => {
          const d = p.byLanguage[l].drop
          return `${p.byLanguage[l].flagRate.toFixed(2)} % (${d > target ? `**${d.toFixed(2)}**` : d.toFixed(2)})`
        }),
        `${p.recovered.toFixed(2)} %`,
        `${p.drop <= target ? "yes" : "**no**"}${langs.some((l) => p.byLanguage[l].drop > target) ? " (not in every language)" : ""}`
      ]
    })
  ]
  const lines = [
    md.table(
      ["perturbation", "flag rate", "drop (points)", ...langs.map((l) => `${l} (drop)`), "canonical form recovered", `meets ≤ ${target}`],
      rows,
      { align: ["left", "right", "right", ...langs.map((): md.Align => "right"), "right", "center"], tight: true }
    ),
    "",
    `${r.rows.toLocaleString("en-US")} unsafe benchmark prompts (datasets/benchmarks.parquet, evaluation only), model ${model}, seed ${r.seed}. ` +
      "Flag rate = share flagged (max category score > 0.5). \"Canonical form recovered\" = the canonicalizer maps the perturbed text to " +
      "exactly the clean text's canonical form. Drops above the target are in bold."
  ]
  return lines.join("\n")
}
