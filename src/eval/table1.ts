/**
 * The paper's Table 1 for our guard: per benchmark × language metrics at the fixed 0.5
 * threshold, the six-benchmark average F1 per language, the flag-everything baseline computed
 * from the same rows, the paper's reference rows, and Figure 9's data (how confident the guard
 * was when it was wrong).
 */
import { Schema } from "effect"
import {
  BENCHMARK_LANGUAGES,
  BENCHMARKS,
  BenchmarkLang,
  BenchmarkName,
  FLAG_THRESHOLD
} from "../../schemas/index.ts"
import { binaryMetrics } from "../guard/metrics.ts"
import { PAPER_MODELS, PAPER_TABLE1 } from "./paper.ts"

const Fraction = Schema.Number.pipe(Schema.between(0, 1))
const Count = Schema.Int.pipe(Schema.nonNegative())

/** Metrics of one benchmark in one language. Fractions, not percent. */
export const MetricCell = Schema.Struct({
  benchmark: BenchmarkName,
  lang: BenchmarkLang,
  n: Count,
  nUnsafe: Count,
  tp: Count,
  fp: Count,
  tn: Count,
  fn: Count,
  f1: Fraction,
  precision: Fraction,
  recall: Fraction,
  /** null: the cell has no safe rows (XSafety), so FPR is undefined. */
  fpr: Schema.NullOr(Fraction),
  /** Average precision; null only if the cell has no unsafe rows. */
  auprc: Schema.NullOr(Fraction),
  flagRate: Fraction
})
export type MetricCell = typeof MetricCell.Type

export const LangAverage = Schema.Struct({
  lang: BenchmarkLang,
  /** Unweighted mean F1 over the benchmarks present for the language (the paper's "avg"). */
  avgF1: Fraction,
  benchmarks: Count,
  /** All six benchmarks present: only then is avgF1 comparable with the paper's. */
  complete: Schema.Boolean
})
export type LangAverage = typeof LangAverage.Type

export const ScoredSystem = Schema.Struct({
  cells: Schema.Array(MetricCell),
  averages: Schema.Array(LangAverage)
})
export type ScoredSystem = typeof ScoredSystem.Type

export const PaperRowSchema = Schema.Struct({
  model: Schema.Literal(...PAPER_MODELS),
  lang: BenchmarkLang,
  f1Pct: Schema.NullOr(Schema.Record({ key: BenchmarkName, value: Schema.Number })),
  avgF1Pct: Schema.Number
})

export const ErrorKind = Schema.Literal("false positive", "false negative")
export type ErrorKind = typeof ErrorKind.Type

export const HistogramBin = Schema.Struct({
  kind: ErrorKind,
  lang: BenchmarkLang,
  /** Bin [lo, hi); the last bin includes 1. */
  lo: Fraction,
  hi: Fraction,
  count: Count
})
export type HistogramBin = typeof HistogramBin.Type

export const ErrorSummary = Schema.Struct({
  kind: ErrorKind,
  lang: BenchmarkLang,
  count: Count,
  /** Median unsafe probability of these errors; null when there are none. */
  median: Schema.NullOr(Fraction),
  /** Share of the errors that were confident: p ≥ 0.9 for false positives, p ≤ 0.1 for false negatives. */
  confidentShare: Schema.NullOr(Fraction)
})
export type ErrorSummary = typeof ErrorSummary.Type

/** Figure 9: distribution of the unsafe probability over false positives and false negatives. */
export const Figure9 = Schema.Struct({
  binWidth: Schema.Number,
  bins: Schema.Array(HistogramBin),
  summary: Schema.Array(ErrorSummary)
})
export type Figure9 = typeof Figure9.Type

export const Table1Result = Schema.Struct({
  threshold: Schema.Number,
  model: Schema.Struct({ name: Schema.String, backend: Schema.String }),
  ours: ScoredSystem,
  flagEverything: ScoredSystem,
  paper: Schema.Array(PaperRowSchema),
  figure9: Figure9
})
export type Table1Result = typeof Table1Result.Type

/** What table1 needs of a benchmark row: where it belongs and its label. */
export interface LabelledRow {
  readonly benchmark: BenchmarkName
  readonly lang: BenchmarkLang
  readonly unsafe: boolean
}

const checkScores = (rows: ReadonlyArray<LabelledRow>, scores: ReadonlyArray<number>) => {
  if (rows.length !== scores.length) {
    throw new RangeError(`table1: ${rows.length} rows but ${scores.length} scores`)
  }
  scores.forEach((s, i) => {
    if (!(Number.isFinite(s) && s >= 0 && s <= 1)) {
      throw new RangeError(`table1: score of row ${i} is ${s}, expected a probability in [0, 1]`)
    }
  })
}

/** Row indices per (benchmark, lang), in the canonical order of BENCHMARKS × BENCHMARK_LANGUAGES. */
const groupRows = (rows: ReadonlyArray<LabelledRow>) => {
  const groups = new Map<string, Array<number>>()
  rows.forEach((r, i) => {
    const k = `${r.benchmark}/${r.lang}`
    let g = groups.get(k)
    if (!g) groups.set(k, (g = []))
    g.push(i)
  })
  const out: Array<{ benchmark: BenchmarkName; lang: BenchmarkLang; idx: Array<number> }> = []
  for (const lang of BENCHMARK_LANGUAGES) {
    for (const benchmark of BENCHMARKS) {
      const idx = groups.get(`${benchmark}/${lang}`)
      if (idx) out.push({ benchmark, lang, idx })
    }
  }
  return out
}

/** Score one system (a probability per row) at the fixed threshold. */
export const scoreSystem = (rows: ReadonlyArray<LabelledRow>, scores: ReadonlyArray<number>): ScoredSystem => {
  checkScores(rows, scores)
  const cells: Array<MetricCell> = groupRows(rows).map(({ benchmark, lang, idx }) => ({
    benchmark,
    lang,
    ...binaryMetrics(idx.map((i) => rows[i].unsafe), idx.map((i) => scores[i]), FLAG_THRESHOLD)
  }))
  const averages: Array<LangAverage> = []
  for (const lang of BENCHMARK_LANGUAGES) {
    const own = cells.filter((c) => c.lang === lang)
    if (own.length === 0) continue
    averages.push({
      lang,
      avgF1: own.reduce((s, c) => s + c.f1, 0) / own.length,
      benchmarks: own.length,
      complete: own.length === BENCHMARKS.length
    })
  }
  return { cells, averages }
}

/** The trivial guard that flags every row: recall 1, precision = share of unsafe rows. */
export const flagEverything = (rows: ReadonlyArray<LabelledRow>): ScoredSystem =>
  scoreSystem(rows, rows.map(() => 1))

const median = (xs: ReadonlyArray<number>): number | null => {
  if (xs.length === 0) return null
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

export const FIGURE9_BIN_WIDTH = 0.05

/** Histograms (per error kind × language) of the unsafe probability of misclassified rows. */
export const figure9 = (rows: ReadonlyArray<LabelledRow>, scores: ReadonlyArray<number>): Figure9 => {
  checkScores(rows, scores)
  const nBins = Math.round(1 / FIGURE9_BIN_WIDTH)
  const bins: Array<HistogramBin> = []
  const summary: Array<ErrorSummary> = []
  for (const kind of ErrorKind.literals) {
    for (const lang of BENCHMARK_LANGUAGES) {
      if (!rows.some((r) => r.lang === lang)) continue
      const probs: Array<number> = []
      rows.forEach((r, i) => {
        if (r.lang !== lang) return
        const flagged = scores[i] > FLAG_THRESHOLD
        if (kind === "false positive" ? flagged && !r.unsafe : !flagged && r.unsafe) probs.push(scores[i])
      })
      const counts = new Array<number>(nBins).fill(0)
      // p · nBins, not p / width: 0.3 / 0.05 is 5.999…, which would land 0.3 in the bin below.
      // The tiny epsilon keeps values printed as an edge (0.35) in the bin that starts there.
      for (const p of probs) counts[Math.min(nBins - 1, Math.floor(p * nBins + 1e-9))]++
      counts.forEach((count, b) => {
        // Round edges so 0.15 is 0.15, not 0.15000000000000002, in the JSON.
        const lo = Math.round(b * FIGURE9_BIN_WIDTH * 1e6) / 1e6
        const hi = Math.round((b + 1) * FIGURE9_BIN_WIDTH * 1e6) / 1e6
        bins.push({ kind, lang, lo, hi, count })
      })
      const confident = probs.filter((p) => (kind === "false positive" ? p >= 0.9 : p <= 0.1)).length
      summary.push({
        kind,
        lang,
        count: probs.length,
        median: median(probs),
        confidentShare: probs.length === 0 ? null : confident / probs.length
      })
    }
  }
  return { binWidth: FIGURE9_BIN_WIDTH, bins, summary }
}

/** Table 1 for one model: `scores[i]` is the guard's unsafe probability of `rows[i]`. */
export const computeTable1 = (
  rows: ReadonlyArray<LabelledRow>,
  scores: ReadonlyArray<number>,
  model: { readonly name: string; readonly backend: string }
): Table1Result => ({
  threshold: FLAG_THRESHOLD,
  model: { name: model.name, backend: model.backend },
  ours: scoreSystem(rows, scores),
  flagEverything: flagEverything(rows),
  paper: PAPER_TABLE1.map((r) => ({ ...r, f1Pct: r.f1Pct ? { ...r.f1Pct } : null })),
  figure9: figure9(rows, scores)
})

/** Look up a cell; undefined when that benchmark × language was not evaluated. */
export const cellOf = (s: ScoredSystem, benchmark: BenchmarkName, lang: BenchmarkLang): MetricCell | undefined =>
  s.cells.find((c) => c.benchmark === benchmark && c.lang === lang)

export const averageOf = (s: ScoredSystem, lang: BenchmarkLang): LangAverage | undefined =>
  s.averages.find((a) => a.lang === lang)
