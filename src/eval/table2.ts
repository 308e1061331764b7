/**
 * Table 2: do the self-play data train another kind of model? Two model families — the main
 * one the game is played with (src/guard/) and the subword CNN (src/guard/cnn/) — each trained
 * on the seed alone and on the seed + one self-play run's synthetic rows, all four scored on the
 * generalization check (generalization.ts; not a benchmark).
 *
 * The four rows are only comparable if they share the seed table, the synthetic tables, the
 * everyday operating-point rule and the held-out rows; `table2` refuses them otherwise.
 */
import { stableJson } from "../runtime/json.ts"
import { table } from "../report/markdown.ts"
import type { GeneralizationResult } from "./generalization.ts"

export type Family = "main" | "cnn"
export type TrainingData = "seed" | "seed+synthetic"

export const FAMILY_NAMES: Readonly<Record<Family, string>> = {
  main: "main (n-gram bag + MLP)",
  cnn: "CNN (Gemma 3 subwords)"
}

/** One trained guard and what it was trained on, as its folder records it. */
export interface Table2Input {
  readonly family: Family
  readonly data: TrainingData
  /** The guard's folder, relative to the repository. */
  readonly guard: string
  readonly trainingSeed: number
  /** sha256 of the seed table it trained on. */
  readonly seedSha256: string
  /** The synthetic tables it trained on, in order (none for "seed"). */
  readonly synthetic: ReadonlyArray<{ readonly path: string; readonly sha256: string }>
  /** Its everyday operating-point rule (config `everyday`). */
  readonly everyday: unknown
  readonly check: GeneralizationResult
}

export interface Table2Row {
  readonly family: Family
  readonly data: TrainingData
  readonly guard: string
  readonly trainingSeed: number
  readonly summary: GeneralizationResult["summary"]
}

export interface Table2Result {
  readonly seedSha256: string
  readonly synthetic: ReadonlyArray<{ readonly path: string; readonly sha256: string }>
  readonly everyday: unknown
  /** Labelled cells and everyday languages of the check (the same for every row). */
  readonly heldOut: { readonly labelledCells: number; readonly labelledRows: number; readonly everydayLanguages: number; readonly everydayRows: number }
  /** main/seed, main/seed+synthetic, cnn/seed, cnn/seed+synthetic. */
  readonly rows: ReadonlyArray<Table2Row>
}

const ORDER: ReadonlyArray<readonly [Family, TrainingData]> = [
  ["main", "seed"],
  ["main", "seed+synthetic"],
  ["cnn", "seed"],
  ["cnn", "seed+synthetic"]
]

/** The held-out rows a check scored: its cells, without any score. */
const cellsOf = (g: GeneralizationResult) =>
  stableJson({
    labelled: g.labelled.map((c) => [c.source, c.lang, c.rows, c.unsafe]),
    everyday: g.everyday.map((c) => [c.lang, c.sources, c.rows])
  })

/** The four rows in order, or an Error saying why they are not comparable. */
export const table2 = (inputs: ReadonlyArray<Table2Input>): Table2Result => {
  const rows = ORDER.map(([family, data]) => {
    const found = inputs.filter((i) => i.family === family && i.data === data)
    if (found.length !== 1) throw new Error(`Table 2 needs exactly one ${family} guard trained on ${data}, got ${found.length}`)
    return found[0]
  })
  const [first] = rows
  for (const r of rows) {
    const name = `${r.family}/${r.data} (${r.guard})`
    if (r.seedSha256 !== first.seedSha256) throw new Error(`${name} trained on another seed table than ${first.guard}`)
    if (r.data === "seed" && r.synthetic.length > 0) throw new Error(`${name} trained on synthetic tables: ${r.synthetic.map((s) => s.path).join(", ")}`)
    if (stableJson(r.everyday) !== stableJson(first.everyday)) {
      throw new Error(`${name} was calibrated under another everyday rule than ${first.guard}: ${stableJson(r.everyday)} vs ${stableJson(first.everyday)}`)
    }
    if (cellsOf(r.check) !== cellsOf(first.check)) throw new Error(`${name} was checked on other held-out rows than ${first.guard}`)
  }
  const [mainSyn, cnnSyn] = [rows[1], rows[3]]
  if (mainSyn.synthetic.length === 0) throw new Error(`${mainSyn.guard} trained on no synthetic table`)
  if (stableJson(mainSyn.synthetic.map((s) => s.sha256)) !== stableJson(cnnSyn.synthetic.map((s) => s.sha256))) {
    throw new Error(
      `the two families trained on different synthetic tables: ${mainSyn.guard} on ${mainSyn.synthetic.map((s) => s.path).join(", ")}, ` +
        `${cnnSyn.guard} on ${cnnSyn.synthetic.map((s) => s.path).join(", ") || "none"} (or their contents differ)`
    )
  }
  const g = first.check
  return {
    seedSha256: first.seedSha256,
    synthetic: mainSyn.synthetic,
    everyday: first.everyday,
    heldOut: {
      labelledCells: g.labelled.length,
      labelledRows: g.labelled.reduce((a, c) => a + c.rows, 0),
      everydayLanguages: g.everyday.length,
      everydayRows: g.everyday.reduce((a, c) => a + c.rows, 0)
    },
    rows: rows.map(({ family, data, guard, trainingSeed, check }) => ({ family, data, guard, trainingSeed, summary: check.summary }))
  }
}

const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(1) : "–")
const signed = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? "+" : ""}${(100 * x).toFixed(1)}` : "–")

/** reports/table2.md: the four rows, and per family what the synthetic data change. */
export const table2Markdown = (t: Table2Result): string => {
  const dataName = (r: Table2Row) => (r.data === "seed" ? "seed only" : `seed + synthetic (${t.synthetic.map((s) => s.path).join(", ")})`)
  const lines = [
    "# Table 2: the self-play data and a second model family (generalization check)",
    "",
    `Generalization check (held-out sources; not a benchmark): macro AUROC over ${t.heldOut.labelledCells} labelled cells ` +
      `(${t.heldOut.labelledRows} rows), balanced accuracy at each guard's default flag, share of held-out everyday text flagged ` +
      `(${t.heldOut.everydayLanguages} languages, ${t.heldOut.everydayRows} rows). Percent. Every guard: the same seed table ` +
      `(sha256 ${t.seedSha256.slice(0, 12)}…), the same held-out rows, the same everyday operating-point rule ` +
      `(${stableJson(t.everyday)}).`,
    "",
    table(
      ["family", "training data", "guard", "macro AUROC", "AUROC en / other", "balanced acc.", "everyday flagged mean / worst"],
      t.rows.map((r) => [
        FAMILY_NAMES[r.family],
        dataName(r),
        r.guard,
        pct(r.summary.macroAuroc),
        `${pct(r.summary.aurocEnglish)} / ${pct(r.summary.aurocOther)}`,
        pct(r.summary.balancedAccuracy),
        `${pct(r.summary.everydayFlagRate)} / ${pct(r.summary.everydayFlagRateWorst)} (${r.summary.worstLanguage})`
      ]),
      { align: ["left", "left", "left", "right", "right", "right", "right"] }
    ),
    "",
    "Seed + synthetic minus seed only (points):",
    "",
    table(
      ["family", "macro AUROC", "AUROC en / other", "balanced acc.", "everyday flagged mean / worst"],
      (["main", "cnn"] as const).map((family) => {
        const [a, b] = t.rows.filter((r) => r.family === family).map((r) => r.summary)
        return [
          FAMILY_NAMES[family],
          signed(b.macroAuroc - a.macroAuroc),
          `${signed(b.aurocEnglish - a.aurocEnglish)} / ${signed(b.aurocOther - a.aurocOther)}`,
          signed(b.balancedAccuracy - a.balancedAccuracy),
          `${signed(b.everydayFlagRate - a.everydayFlagRate)} / ${signed(b.everydayFlagRateWorst - a.everydayFlagRateWorst)}`
        ]
      })
    ),
    "",
    "One training seed per guard (main family: the game's guard seed; CNN: " +
      `${[...new Set(t.rows.filter((r) => r.family === "cnn").map((r) => r.trainingSeed))].join(", ")}). Written by pipelines/table2.ts; docs/table2.md reads it.`,
    ""
  ]
  return lines.join("\n")
}
