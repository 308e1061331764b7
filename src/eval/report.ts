/**
 * The evaluation report folder: table1.md (our guard vs flag-everything vs the paper),
 * table1.json (the Table1Result, Schema-encoded), and SVG charts. Also the compact headline
 * table and the README section updater used by `pipelines/evaluate.ts --readme`.
 */
import { Data, Effect, ParseResult, Schema } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { BENCHMARK_LANGUAGES, BENCHMARKS, type BenchmarkLang } from "../../schemas/index.ts"
import { FileError } from "../data/errors.ts"
import { writeFileAtomic } from "../data/parquet.ts"
import { renderSvg } from "../report/charts.ts"
import * as md from "../report/markdown.ts"
import {
  avgF1ComparisonSpec,
  benchmarkLabel,
  errorProbabilitySpec,
  f1ByBenchmarkSpec,
  langLabel,
  type ModelLangValue
} from "./charts.ts"
import { PAPER_MODELS, type PaperModel } from "./paper.ts"
import { averageOf, cellOf, Table1Result } from "./table1.ts"

export const FLAG_EVERYTHING = "flag-everything"
/** The paper's models the headline compares against (the strongest and the size-matched). */
export const HEADLINE_PAPER_MODELS: ReadonlyArray<PaperModel> = ["DuoGuard-0.5B", "LlamaGuard3-8B", "LlamaGuard3-1B"]

export const CHART_FILES = {
  f1ByBenchmark: "charts/f1_by_benchmark.svg",
  avgF1VsPaper: "charts/avg_f1_vs_paper.svg",
  figure9: "charts/figure9_error_probability.svg"
} as const

/** Percent with one decimal; "–" for undefined values (e.g. FPR on XSafety). */
const fmtFraction = (x: number | null | undefined) => (x === null || x === undefined ? "–" : (x * 100).toFixed(1))
const fmtPct = (x: number | null | undefined) => (x === null || x === undefined ? "–" : x.toFixed(1))
const fmtSigned = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}`

/** The detail tables name a language and a benchmark before their numbers. */
const twoNameColumns = (header: ReadonlyArray<string>) => header.map((_, i): md.Align => (i >= 2 ? "right" : "left"))

const ourLabel = (r: Table1Result) => `**${r.model.name} (ours)**`

/** An average, marked with * when not all six benchmarks were present (not comparable). */
const fmtAvg = (a: { avgF1: number; complete: boolean } | undefined) =>
  a === undefined ? "–" : `${fmtFraction(a.avgF1)}${a.complete ? "" : "*"}`

/** The compact headline: six-benchmark average F1 (%) per language for us and the references. */
export const headlineMarkdown = (r: Table1Result): string => {
  const header = ["model", ...BENCHMARK_LANGUAGES.map(langLabel)]
  const rows: Array<Array<string>> = [
    [ourLabel(r), ...BENCHMARK_LANGUAGES.map((l) => fmtAvg(averageOf(r.ours, l)))],
    [FLAG_EVERYTHING, ...BENCHMARK_LANGUAGES.map((l) => fmtAvg(averageOf(r.flagEverything, l)))],
    ...HEADLINE_PAPER_MODELS.map((m) => [
      `${m} (paper)`,
      ...BENCHMARK_LANGUAGES.map((l) => fmtPct(r.paper.find((p) => p.model === m && p.lang === l)?.avgF1Pct))
    ])
  ]
  const incomplete = r.ours.averages.some((a) => !a.complete)
  return (
    `Six-benchmark average F1 (%), unsafe = positive, fixed threshold ${r.threshold}.\n\n` +
    md.table(header, rows) +
    (incomplete ? "\n\n\\* not all six benchmarks present for that language: not comparable with the paper." : "")
  )
}

/** Per-language F1 table in the paper's layout: models × benchmarks + avg. */
const perLanguageTable = (r: Table1Result, lang: BenchmarkLang): string => {
  const header = ["model", ...BENCHMARKS.map(benchmarkLabel), "avg"]
  const sysRow = (label: string, s: Table1Result["ours"]) => [
    label,
    ...BENCHMARKS.map((b) => fmtFraction(cellOf(s, b, lang)?.f1)),
    fmtAvg(averageOf(s, lang))
  ]
  const paperRows = PAPER_MODELS.flatMap((m) => {
    const p = r.paper.find((x) => x.model === m && x.lang === lang)
    if (!p) return []
    return [[`${m} (paper)`, ...BENCHMARKS.map((b) => fmtPct(p.f1Pct?.[b])), fmtPct(p.avgF1Pct)]]
  })
  return md.table(header, [sysRow(ourLabel(r), r.ours), sysRow(FLAG_EVERYTHING, r.flagEverything), ...paperRows])
}

const detailTable = (r: Table1Result): string => {
  const header = ["lang", "benchmark", "n", "unsafe", "F1", "P", "R", "FPR", "AUPRC", "flagged", "F1 − flag-everything"]
  const rows = r.ours.cells.map((c) => {
    const base = cellOf(r.flagEverything, c.benchmark, c.lang)
    return [
      langLabel(c.lang),
      benchmarkLabel(c.benchmark),
      String(c.n),
      String(c.nUnsafe),
      fmtFraction(c.f1),
      fmtFraction(c.precision),
      fmtFraction(c.recall),
      fmtFraction(c.fpr),
      fmtFraction(c.auprc),
      fmtFraction(c.flagRate),
      base ? fmtSigned(c.f1 - base.f1) : "–"
    ]
  })
  return md.table(header, rows, { align: twoNameColumns(header) })
}

const figure9Table = (r: Table1Result): string => {
  const header = ["kind", "lang", "count", "median p(unsafe)", "confident share (%)"]
  const rows = r.figure9.summary.map((s) => [
    s.kind,
    langLabel(s.lang),
    String(s.count),
    s.median === null ? "–" : s.median.toFixed(3),
    fmtFraction(s.confidentShare)
  ])
  return md.table(header, rows, { align: twoNameColumns(header) })
}

/** The whole table1.md. */
export const table1Markdown = (r: Table1Result): string =>
  [
    `# Table 1 — ${r.model.name}`,
    "",
    `Guard \`${r.model.name}\` (backend \`${r.model.backend}\`) on the paper's six benchmarks in four languages. ` +
      `Flagged iff the unsafe probability (max of the 12 category probabilities) is > ${r.threshold}; ` +
      "the threshold is fixed, never tuned. F1 with unsafe as the positive class, in percent. " +
      `"${FLAG_EVERYTHING}" flags every row (computed from the same benchmark rows). ` +
      "Paper rows are quoted from the DuoGuard paper; Fr/De/Es baselines are given there as averages only. " +
      "FPR is undefined (–) for XSafety, which has no safe rows. Our averages are means of the unrounded cells, " +
      "so they can differ by 0.1 from the mean of the printed cells.",
    "",
    "## Average F1 per language",
    "",
    headlineMarkdown(r),
    "",
    `![average F1 per language vs the paper](${CHART_FILES.avgF1VsPaper})`,
    "",
    "## F1 per benchmark",
    "",
    ...BENCHMARK_LANGUAGES.filter((l) => averageOf(r.ours, l) !== undefined).flatMap((l) => [
      `### ${langLabel(l)}`,
      "",
      perLanguageTable(r, l),
      ""
    ]),
    `![F1 per benchmark and language; black ticks: flag-everything](${CHART_FILES.f1ByBenchmark})`,
    "",
    "## Detail: our guard per benchmark × language",
    "",
    "P = precision, R = recall, FPR = share of safe rows flagged, AUPRC = average precision " +
      "(step-wise, as scikit-learn's `average_precision_score`; threshold-free), flagged = share of rows flagged.",
    "",
    detailTable(r),
    "",
    "## Figure 9: how confident were the errors?",
    "",
    "Unsafe probability of false positives (safe rows flagged) and false negatives (unsafe rows missed), " +
      "all benchmarks of a language together. Confident: p ≥ 0.9 for false positives, p ≤ 0.1 for false negatives.",
    "",
    figure9Table(r),
    "",
    `![unsafe probability of false positives and false negatives](${CHART_FILES.figure9})`,
    ""
  ].join("\n")

/** Chart data for the per-language comparison: ours, flag-everything and every paper model. */
export const avgF1Values = (r: Table1Result): { values: Array<ModelLangValue>; order: Array<string> } => {
  const ours = `${r.model.name} (ours)`
  const values: Array<ModelLangValue> = []
  for (const a of r.ours.averages) values.push({ model: ours, lang: a.lang, avgF1: Math.round(a.avgF1 * 1000) / 10 })
  for (const a of r.flagEverything.averages) {
    values.push({ model: FLAG_EVERYTHING, lang: a.lang, avgF1: Math.round(a.avgF1 * 1000) / 10 })
  }
  const langs = new Set(r.ours.averages.map((a) => a.lang))
  for (const p of r.paper) if (langs.has(p.lang)) values.push({ model: `${p.model} (paper)`, lang: p.lang, avgF1: p.avgF1Pct })
  return { values, order: [ours, FLAG_EVERYTHING, ...PAPER_MODELS.map((m) => `${m} (paper)`)] }
}

export const encodeTable1Json = (r: Table1Result): string =>
  `${JSON.stringify(Schema.encodeSync(Table1Result)(r), null, 2)}\n`

/** Read a table1.json back (e.g. for the self-play report); fails naming the file and field. */
export const readTable1Json = (file: string): Effect.Effect<Table1Result, FileError> =>
  Effect.try({
    try: () => JSON.parse(fs.readFileSync(file, "utf8")) as unknown,
    catch: (e) => new FileError({ path: file, reason: `cannot read JSON: ${String(e)}` })
  }).pipe(
    Effect.flatMap((json) =>
      Schema.decodeUnknown(Table1Result, { onExcessProperty: "error" })(json).pipe(
        Effect.mapError(
          (e) => new FileError({ path: file, reason: `not a Table1Result: ${ParseResult.TreeFormatter.formatErrorSync(e)}` })
        )
      )
    )
  )

const renderChart = (file: string, spec: Parameters<typeof renderSvg>[0]) =>
  Effect.tryPromise({
    try: () => renderSvg(spec),
    catch: (e) => new FileError({ path: file, reason: `cannot render chart: ${String(e)}` })
  }).pipe(Effect.flatMap((svg) => writeFileAtomic(file, svg)))

/**
 * Write table1.md, table1.json and the charts into `outDir`; returns the paths written
 * (relative to outDir). Every file is written atomically.
 */
export const writeReport = (outDir: string, r: Table1Result): Effect.Effect<ReadonlyArray<string>, FileError> =>
  Effect.gen(function* () {
    const at = (rel: string) => path.join(outDir, rel)
    const comparison = avgF1Values(r)
    yield* renderChart(
      at(CHART_FILES.f1ByBenchmark),
      f1ByBenchmarkSpec(r.ours, r.flagEverything, `F1 per benchmark — ${r.model.name} (ticks: flag-everything)`)
    )
    yield* renderChart(
      at(CHART_FILES.avgF1VsPaper),
      avgF1ComparisonSpec(comparison.values, comparison.order, `Average F1 per language — ${r.model.name} vs the paper`)
    )
    yield* renderChart(
      at(CHART_FILES.figure9),
      errorProbabilitySpec(r.figure9, `Unsafe probability of errors — ${r.model.name}`)
    )
    yield* writeFileAtomic(at("table1.json"), encodeTable1Json(r))
    yield* writeFileAtomic(at("table1.md"), table1Markdown(r))
    return ["table1.md", "table1.json", ...Object.values(CHART_FILES)]
  })

/** The README has no (or a malformed) `<!-- marker:start -->` … `<!-- marker:end -->` pair. */
export class ReadmeSectionError extends Data.TaggedError("ReadmeSectionError")<{
  readonly path: string
  readonly marker: string
  readonly reason: string
}> {
  override get message() {
    return `${this.path}: section "${this.marker}": ${this.reason}`
  }
}

const countOf = (text: string, needle: string) => text.split(needle).length - 1

/**
 * The text with the section between `<!-- marker:start -->` and `<!-- marker:end -->` replaced,
 * or the reason it cannot be (a marker missing, repeated or out of order).
 */
export const replaceSection = (
  text: string,
  marker: string,
  markdown: string
): { readonly ok: true; readonly text: string } | { readonly ok: false; readonly reason: string } => {
  const start = `<!-- ${marker}:start -->`
  const end = `<!-- ${marker}:end -->`
  for (const m of [start, end]) {
    const n = countOf(text, m)
    if (n === 0) return { ok: false, reason: `marker "${m}" not found; add "${start}" and "${end}" lines where the section goes` }
    if (n > 1) return { ok: false, reason: `marker "${m}" appears ${n} times, expected once` }
  }
  const i = text.indexOf(start)
  const j = text.indexOf(end)
  if (j < i) return { ok: false, reason: `"${end}" comes before "${start}"` }
  return { ok: true, text: `${text.slice(0, i + start.length)}\n${markdown.trim()}\n${text.slice(j)}` }
}

const readText = (file: string) =>
  Effect.try({
    try: () => fs.readFileSync(file, "utf8"),
    catch: (e) => new FileError({ path: file, reason: `cannot read: ${String(e)}` })
  })

/** Check, before a long run, that the README section can be updated. */
export const checkReadmeSection = (readmePath: string, marker: string): Effect.Effect<void, FileError | ReadmeSectionError> =>
  Effect.flatMap(readText(readmePath), (text) => {
    const r = replaceSection(text, marker, "")
    return r.ok ? Effect.void : Effect.fail(new ReadmeSectionError({ path: readmePath, marker, reason: r.reason }))
  })

/**
 * Replace the text between `<!-- MARKER:start -->` and `<!-- MARKER:end -->` (markers kept)
 * with `markdown`, atomically. Fails if either marker is missing, repeated or out of order,
 * rather than appending somewhere unexpected.
 */
export const updateReadmeSection = (
  readmePath: string,
  marker: string,
  markdown: string
): Effect.Effect<void, FileError | ReadmeSectionError> =>
  Effect.gen(function* () {
    const text = yield* readText(readmePath)
    const r = replaceSection(text, marker, markdown)
    if (!r.ok) return yield* Effect.fail(new ReadmeSectionError({ path: readmePath, marker, reason: r.reason }))
    if (r.text !== text) yield* writeFileAtomic(readmePath, r.text)
  })
