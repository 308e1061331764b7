/**
 * Several self-play runs side by side (e.g. the same config under different seeds): the
 * six-benchmark average F1 per language at every iteration, and the change of the Fr/De/Es
 * mean from iteration 0 to the last, with its mean and spread over the runs. One run's gain
 * means little when a single guard's benchmark average moves by several points with its
 * training seed alone; this is how the README's robustness numbers are made.
 */
import { BENCHMARK_LANGUAGES, type BenchmarkLang } from "../../schemas/index.ts"
import type { CrosslingualScore } from "../eval/crosslingual.ts"
import type { GeneralizationResult } from "../eval/generalization.ts"
import { averageOf, type Table1Result } from "../eval/table1.ts"
import { table } from "../report/markdown.ts"

export interface RunTables {
  readonly run: string
  /** Table 1 of each iteration's guard, iteration 0 first. */
  readonly iterations: ReadonlyArray<Table1Result>
}

const NON_ENGLISH: ReadonlyArray<BenchmarkLang> = ["fr", "de", "es"]

/** Six-benchmark average F1 (percent) of one table, per language. */
export const averages = (t: Table1Result): Record<BenchmarkLang, number> =>
  Object.fromEntries(BENCHMARK_LANGUAGES.map((l) => [l, 100 * (averageOf(t.ours, l)?.avgF1 ?? Number.NaN)])) as Record<
    BenchmarkLang,
    number
  >

export const nonEnglishMean = (a: Record<BenchmarkLang, number>): number =>
  NON_ENGLISH.reduce((s, l) => s + a[l], 0) / NON_ENGLISH.length

/** Mean and sample standard deviation (0 for a single value). */
export const meanSd = (xs: ReadonlyArray<number>): { mean: number; sd: number } => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length
  const sd = xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1))
  return { mean, sd }
}

const f1 = (x: number) => x.toFixed(1)
const signed = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(1)}`

export const compareRunsMarkdown = (runs: ReadonlyArray<RunTables>): string => {
  if (runs.some((r) => r.iterations.length === 0)) throw new Error("every run needs at least iteration 0 evaluated")
  const lines: Array<string> = [
    table(
      ["run", "iteration", "En", "Fr", "De", "Es", "Fr/De/Es mean"],
      runs.flatMap((r) => r.iterations.map((t, i) => {
        const a = averages(t)
        return [r.run, String(i), ...BENCHMARK_LANGUAGES.map((l) => f1(a[l])), f1(nonEnglishMean(a))]
      })),
      { tight: true }
    )
  ]
  const gains = runs.map((r) => nonEnglishMean(averages(r.iterations[r.iterations.length - 1])) - nonEnglishMean(averages(r.iterations[0])))
  const firsts = runs.map((r) => averages(r.iterations[0]))
  const lasts = runs.map((r) => averages(r.iterations[r.iterations.length - 1]))
  const summary = (rows: ReadonlyArray<Record<BenchmarkLang, number>>) =>
    BENCHMARK_LANGUAGES.map((l) => {
      const { mean, sd } = meanSd(rows.map((a) => a[l]))
      return `${f1(mean)} ± ${f1(sd)}`
    })
  const g = meanSd(gains)
  lines.push(
    "",
    `Over ${runs.length} run(s), mean ± standard deviation:`,
    "",
    table(["guard", "En", "Fr", "De", "Es"], [["iteration 0 (seed only)", ...summary(firsts)], ["last iteration", ...summary(lasts)]], { tight: true }),
    "",
    `Change of the Fr/De/Es mean, iteration 0 → last: ${runs
      .map((r, i) => `${signed(gains[i])} (${r.run}, ${r.iterations.length - 1} iteration${r.iterations.length === 2 ? "" : "s"})`)
      .join(", ")}; mean ${signed(g.mean)} ± ${f1(g.sd)}.`
  )
  return `${lines.join("\n")}\n`
}

/** The generalization check of every iteration of one run (null where an iteration has none). */
export interface RunChecks {
  readonly run: string
  readonly iterations: ReadonlyArray<GeneralizationResult | null>
}

/** One number a comparison reads off an iteration's result, in [0, 1], and which way is better. */
interface Column<S> {
  readonly name: string
  readonly of: (s: S) => number
  readonly higherIsBetter: boolean
}

/** The check's summary numbers, in percent, in the order of the table's columns. */
const CHECK_COLUMNS: ReadonlyArray<Column<GeneralizationResult["summary"]>> = [
  { name: "macro AUROC", of: (s) => s.macroAuroc, higherIsBetter: true },
  { name: "AUROC en", of: (s) => s.aurocEnglish, higherIsBetter: true },
  { name: "AUROC other", of: (s) => s.aurocOther, higherIsBetter: true },
  { name: "balanced acc.", of: (s) => s.balancedAccuracy, higherIsBetter: true },
  { name: "everyday flagged, mean", of: (s) => s.everydayFlagRate, higherIsBetter: false },
  { name: "everyday flagged, worst", of: (s) => s.everydayFlagRateWorst, higherIsBetter: false }
]

/** Iteration 0 and the last iteration of one run. */
interface Ends<S> {
  readonly run: string
  readonly lastT: number
  readonly first: S
  readonly last: S
}

/** Iteration 0 and the last of every run, refusing a run where either is missing. */
const endsOf = <S>(runs: ReadonlyArray<{ readonly run: string; readonly iterations: ReadonlyArray<S | null> }>, what: string): Array<Ends<S>> =>
  runs.map((r) => {
    const first = r.iterations[0]
    const last = r.iterations[r.iterations.length - 1]
    if (!first || !last) throw new Error(`run ${r.run}: the ${what} of iteration 0 and of the last iteration are both needed`)
    return { run: r.run, lastT: r.iterations.length - 1, first, last }
  })

/**
 * Per run, iteration 0 and the last; then their mean ± standard deviation over the runs, and in
 * how many runs the last guard beats iteration 0 on each column.
 */
const endsTables = <S>(ends: ReadonlyArray<Ends<S>>, columns: ReadonlyArray<Column<S>>): Array<string> => {
  const pct = (x: number) => (Number.isNaN(x) ? "–" : (100 * x).toFixed(1))
  const names = columns.map((c) => c.name)
  const spread = (xs: ReadonlyArray<number>) => {
    const { mean, sd } = meanSd(xs.map((x) => 100 * x))
    return `${mean.toFixed(1)} ± ${sd.toFixed(1)}`
  }
  const better = columns.map((c) => {
    const wins = ends.filter((e) => (c.higherIsBetter ? c.of(e.last) > c.of(e.first) : c.of(e.last) < c.of(e.first))).length
    return `${wins} of ${ends.length}`
  })
  return [
    table(
      ["run", "iteration", ...names],
      ends.flatMap((e) => [
        [e.run, "0", ...columns.map((c) => pct(c.of(e.first)))],
        [e.run, String(e.lastT), ...columns.map((c) => pct(c.of(e.last)))]
      ]),
      { tight: true }
    ),
    "",
    `Over ${ends.length} run(s), mean ± standard deviation (percent):`,
    "",
    table(
      ["guard", ...names],
      [
        ["iteration 0 (seed only)", ...columns.map((c) => spread(ends.map((e) => c.of(e.first))))],
        ["last iteration", ...columns.map((c) => spread(ends.map((e) => c.of(e.last))))],
        ["runs where the last beats iteration 0", ...better]
      ],
      { tight: true }
    )
  ]
}

/**
 * The generalization check (held-out sources and everyday text; src/eval/generalization.ts)
 * over several runs: iteration 0 (seed only) and the last iteration per run, their mean ±
 * standard deviation, in how many runs the last guard beats iteration 0 on each number, and
 * the AUROC change per held-out source.
 */
export const compareChecksMarkdown = (runs: ReadonlyArray<RunChecks>): string => {
  const ends = endsOf(runs, "generalization check")
  const lines = [
    ...endsTables(ends.map((e) => ({ ...e, first: e.first.summary, last: e.last.summary })), CHECK_COLUMNS),
    ...perSourceTable(ends.map((e) => ({ run: e.run, cells: sourceChanges(e.first, e.last) })))
  ]
  return `${lines.join("\n")}\n`
}

/** The cross-lingual check of every iteration of one run (null where an iteration has none). */
export interface RunCrosslingual {
  readonly run: string
  readonly iterations: ReadonlyArray<Readonly<Record<string, CrosslingualScore>> | null>
}

/**
 * The cross-lingual check (English validation requests and their Apertium translations;
 * src/eval/crosslingual.ts) over several runs, threshold-free: AUPRC per language. The game
 * translates training rows with the same Apertium pairs, so this flatters it.
 */
export const compareCrosslingualMarkdown = (runs: ReadonlyArray<RunCrosslingual>): string => {
  const ends = endsOf(runs, "cross-lingual check")
  const langs = [...new Set(ends.flatMap((e) => Object.keys(e.first)))].sort((a, b) => (a === "en" ? -1 : b === "en" ? 1 : a.localeCompare(b)))
  const columns = langs.map((lang): Column<Readonly<Record<string, CrosslingualScore>>> => ({
    name: `AUPRC ${lang}`,
    of: (s) => s[lang]?.auprc ?? Number.NaN,
    higherIsBetter: true
  }))
  return `${endsTables(ends, columns).join("\n")}\n`
}

/** AUROC change, iteration 0 → last, of every held-out source that both iterations scored. */
const sourceChanges = (first: GeneralizationResult, last: GeneralizationResult): Map<string, number> => {
  const cellKey = (c: GeneralizationResult["labelled"][number]) => `${c.source} (${c.lang})`
  const at0 = new Map(first.labelled.map((c) => [cellKey(c), c.auroc]))
  return new Map(last.labelled.flatMap((c) => {
    const before = at0.get(cellKey(c))
    return before === undefined ? [] : [[cellKey(c), c.auroc - before] as const]
  }))
}

/**
 * Where the game's change lands: per held-out source, the AUROC change from iteration 0 to the
 * last in each run and its mean. The macro average can hide a change confined to a few sources
 * (say, those in the languages the generator writes).
 */
const perSourceTable = (ends: ReadonlyArray<{ readonly run: string; readonly cells: Map<string, number> }>): ReadonlyArray<string> => {
  const sources = [...new Set(ends.flatMap((e) => [...e.cells.keys()]))].sort()
  if (sources.length === 0) return []
  const signedPct = (x: number | undefined) => {
    if (x === undefined) return "–"
    const points = Math.abs(100 * x).toFixed(1)
    return points === "0.0" ? "0.0" : `${x > 0 ? "+" : "−"}${points}`
  }
  const rows = sources.map((s) => {
    const changes = ends.map((e) => e.cells.get(s))
    const known = changes.filter((x): x is number => x !== undefined)
    return [s, ...changes.map(signedPct), signedPct(meanSd(known).mean)]
  })
  return [
    "",
    "AUROC change per held-out source, iteration 0 → last (points):",
    "",
    table(["held-out source", ...ends.map((e) => e.run), "mean"], rows, { tight: true })
  ]
}
