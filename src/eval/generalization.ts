/**
 * The project's own generalization check: how a guard does on text of sources it never
 * trained on. It stands in for the maintainers' sealed multilingual suite, and choices are
 * made on it, never on the paper's benchmarks.
 *
 * - Held-out labelled sources: whole seed sources (one or two per language that has more
 *   than one) are left out of every guard's training and validation by default
 *   (`HELD_OUT_SOURCES`). Per (source, language) cell: ROC AUC, balanced accuracy at the
 *   guard's own flag, share flagged.
 * - Held-out everyday text (natural sentences from UD treebanks): the share the guard flags,
 *   per language — its false-positive rate on everyday text. Where a language has another
 *   treebank to train on (en, fr, it, nl), whole files are held out; elsewhere the only natural
 *   sentences a language has are one treebank, and holding all of it out would leave the guard
 *   with UI strings and help pages alone (it then flagged ~28 % of everyday Turkish), so every
 *   other UD file is split in two by a hash of the row id: one half trains, the other is scored.
 *
 * The same summary numbers as the sealed suite reports: macro AUROC over cells (English /
 * other languages), mean balanced accuracy, mean and worst everyday flag rate.
 */
import { Effect, Schema } from "effect"
import type { Example, Prediction } from "../../schemas/index.ts"
import { auc } from "../guard/metrics.ts"
import * as md from "../report/markdown.ts"
import { JsonNumber } from "../runtime/json.ts"
import { hash32 } from "../runtime/rng.ts"

/** Left out of training and validation by default; scored by the check. */
export const HELD_OUT_SOURCES = {
  labelled: [
    "olid",
    "strongreject",
    "germeval2021",
    "hateval2019",
    "fortuna",
    "ar_osact2022",
    "ko_kmhas",
    "ro_news_ro_offense",
    "ru_distorted_toxicity",
    "zh_toxicn"
  ],
  everyday: ["ud-fr", "ud-it", "ud-nl", "ud-train-en_partut"]
} as const

/** Everyday sources of which half the rows (by a hash of the id) are held out: every other UD file. */
export const isHalfHeldOutSource = (source: string): boolean =>
  source.startsWith("ud-") && !(HELD_OUT_SOURCES.everyday as ReadonlyArray<string>).includes(source)

/** Whether a row of a half-held-out source is in the held-out half. */
const inHeldOutHalf = (id: string): boolean => hash32(`holdout/${id}`) % 2 === 0

/** The rule as data, for resume keys and manifests (a change to it re-runs what depends on it). */
export const HOLDOUT_RULE = { ...HELD_OUT_SOURCES, halves: "ud-* not listed, hash32(holdout/<id>) even" } as const

export const ALL_HELD_OUT: ReadonlySet<string> = new Set([...HELD_OUT_SOURCES.labelled, ...HELD_OUT_SOURCES.everyday])

/** Sources the check scores as everyday text (flag rate) rather than labelled cells. */
export const isEverydaySource = (source: string): boolean =>
  (HELD_OUT_SOURCES.everyday as ReadonlyArray<string>).includes(source) || isHalfHeldOutSource(source)

/** Whether a seed row is held out by the default rule: never trained, validated or played on. */
export const isHeldOutRow = (row: { readonly source: string; readonly id: string }): boolean =>
  ALL_HELD_OUT.has(row.source) || (isHalfHeldOutSource(row.source) && inHeldOutHalf(row.id))

export const LabelledCell = Schema.Struct({
  source: Schema.String,
  lang: Schema.String,
  rows: Schema.Int,
  unsafe: Schema.Int,
  auroc: JsonNumber,
  /** Mean of recall on unsafe and on safe rows, at the guard's flag. */
  balancedAccuracy: JsonNumber,
  flagged: JsonNumber
})
export type LabelledCell = typeof LabelledCell.Type

export const EverydayCell = Schema.Struct({
  lang: Schema.String,
  sources: Schema.Array(Schema.String),
  rows: Schema.Int,
  /** Share of these safe rows the guard flags. */
  flagRate: JsonNumber
})
export type EverydayCell = typeof EverydayCell.Type

/** The check's result, as generalization.json holds it (NaN where a mean has nothing to average). */
export const GeneralizationResult = Schema.Struct({
  labelled: Schema.Array(LabelledCell),
  everyday: Schema.Array(EverydayCell),
  summary: Schema.Struct({
    macroAuroc: JsonNumber,
    aurocEnglish: JsonNumber,
    aurocOther: JsonNumber,
    balancedAccuracy: JsonNumber,
    everydayFlagRate: JsonNumber,
    everydayFlagRateWorst: JsonNumber,
    worstLanguage: Schema.String
  })
})
export type GeneralizationResult = typeof GeneralizationResult.Type

const mean = (xs: ReadonlyArray<number>) => (xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length)
const round4 = (x: number) => Math.round(x * 10000) / 10000

/** The held-out rows of a seed table (both splits: none of them is ever trained on). */
export const heldOutRows = (seed: ReadonlyArray<Example>): Array<Example> => seed.filter(isHeldOutRow)

/** Score held-out rows with their predictions (same order). */
export const scoreGeneralization = (rows: ReadonlyArray<Example>, predictions: ReadonlyArray<Prediction>): GeneralizationResult => {
  const cells = new Map<string, Array<number>>()
  rows.forEach((r, i) => {
    const k = `${r.source}\u0000${r.lang}`
    const c = cells.get(k) ?? cells.set(k, []).get(k)!
    c.push(i)
  })
  const labelled: Array<LabelledCell> = []
  const everydayByLang = new Map<string, { sources: Set<string>; idx: Array<number> }>()
  for (const [k, idx] of [...cells].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const [source, lang] = k.split("\u0000")
    if (isEverydaySource(source)) {
      const e = everydayByLang.get(lang) ?? everydayByLang.set(lang, { sources: new Set(), idx: [] }).get(lang)!
      e.sources.add(source)
      e.idx.push(...idx)
      continue
    }
    const labels = idx.map((i) => rows[i].unsafe)
    const unsafe = labels.filter((x) => x).length
    if (unsafe === 0 || unsafe === idx.length) continue // a cell needs both labels to rank
    const flagged = idx.map((i) => predictions[i].flagged)
    const tpr = idx.filter((i, j) => labels[j] && flagged[j]).length / unsafe
    const tnr = idx.filter((i, j) => !labels[j] && !flagged[j]).length / (idx.length - unsafe)
    labelled.push({
      source,
      lang,
      rows: idx.length,
      unsafe,
      auroc: round4(auc(labels, idx.map((i) => predictions[i].unsafe))),
      balancedAccuracy: round4((tpr + tnr) / 2),
      flagged: round4(flagged.filter((x) => x).length / idx.length)
    })
  }
  const everyday: Array<EverydayCell> = [...everydayByLang]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([lang, e]) => ({
      lang,
      sources: [...e.sources].sort(),
      rows: e.idx.length,
      flagRate: round4(e.idx.filter((i) => predictions[i].flagged).length / e.idx.length)
    }))
  const worst = everyday.reduce<EverydayCell | null>((w, c) => (w === null || c.flagRate > w.flagRate ? c : w), null)
  return {
    labelled,
    everyday,
    summary: {
      macroAuroc: round4(mean(labelled.map((c) => c.auroc))),
      aurocEnglish: round4(mean(labelled.filter((c) => c.lang === "en").map((c) => c.auroc))),
      aurocOther: round4(mean(labelled.filter((c) => c.lang !== "en").map((c) => c.auroc))),
      balancedAccuracy: round4(mean(labelled.map((c) => c.balancedAccuracy))),
      everydayFlagRate: round4(mean(everyday.map((c) => c.flagRate))),
      everydayFlagRateWorst: worst?.flagRate ?? Number.NaN,
      worstLanguage: worst?.lang ?? "–"
    }
  }
}

/** Run a guard over the held-out rows of `seed` and score it. */
export const generalizationCheck = <E>(
  classify: (texts: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<Prediction>, E>,
  seed: ReadonlyArray<Example>,
  batchSize = 1024
): Effect.Effect<GeneralizationResult, E> =>
  Effect.gen(function* () {
    const rows = heldOutRows(seed)
    const predictions: Array<Prediction> = []
    for (let i = 0; i < rows.length; i += batchSize) predictions.push(...(yield* classify(rows.slice(i, i + batchSize).map((r) => r.text))))
    return scoreGeneralization(rows, predictions)
  })

const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(1) : "–")

/** The check as Markdown: summary line, labelled cells, everyday flag rates. */
export const generalizationMarkdown = (g: GeneralizationResult, title = "Generalization check (held-out sources; not a benchmark)"): string =>
  [
    `## ${title}`,
    "",
    `Macro AUROC ${pct(g.summary.macroAuroc)} (en ${pct(g.summary.aurocEnglish)} / other ${pct(g.summary.aurocOther)}), ` +
      `balanced accuracy at the flag ${pct(g.summary.balancedAccuracy)}, everyday text flagged ${pct(g.summary.everydayFlagRate)} % ` +
      `on average and ${pct(g.summary.everydayFlagRateWorst)} % in the worst language (${g.summary.worstLanguage}).`,
    "",
    md.table(
      ["held-out source", "lang", "rows", "unsafe", "AUROC", "balanced acc.", "flagged %"],
      g.labelled.map((c) => [c.source, c.lang, String(c.rows), String(c.unsafe), pct(c.auroc), pct(c.balancedAccuracy), pct(c.flagged)]),
      { align: ["left", "left", "right", "right", "right", "right", "right"], tight: true }
    ),
    "",
    md.table(
      ["everyday text (held out)", "lang", "rows", "flagged %"],
      g.everyday.map((c) => [c.sources.join(", "), c.lang, String(c.rows), pct(c.flagRate)]),
      { align: ["left", "left", "right", "right"], tight: true }
    ),
    ""
  ].join("\n")
