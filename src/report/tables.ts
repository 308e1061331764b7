/**
 * Small, pure summaries of labelled rows for notebooks and reports: counts, cross-tabs,
 * label balance, length quantiles, per-group samples, and a Markdown table formatter.
 * Runtime-agnostic (Node and Deno): no IO here, so the notebook and any report share them.
 * Every output is sorted by its keys, so the same rows always give the same tables.
 */
import type { Rng } from "../runtime/rng.ts"
import * as md from "./markdown.ts"

/** What the summaries need of a row; Example and BenchmarkRow both fit. */
export interface Labelled {
  readonly text: string
  readonly unsafe: boolean
  readonly categories: ReadonlyArray<string> | null
}

export type Cell = string | number | boolean | null
export type TableRow = Record<string, Cell>

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** Length in Unicode code points, not UTF-16 units (Arabic, emoji count as one each). */
export const textLength = (text: string): number => {
  let n = 0
  for (const _ of text) n++
  return n
}

/**
 * Row counts per combination of the given keys, e.g. `countBy(rows, { lang: r => r.lang })`.
 * Returns one row per combination that occurs, with column `n`, sorted by the keys in order.
 */
export const countBy = <T>(
  rows: Iterable<T>,
  keys: Readonly<Record<string, (row: T) => string>>
): Array<TableRow & { n: number }> => {
  const names = Object.keys(keys)
  if (names.includes("n")) throw new Error(`countBy: "n" is the count column; rename that key`)
  const counts = new Map<string, { values: Array<string>; n: number }>()
  for (const row of rows) {
    const values = names.map((k) => keys[k](row))
    const id = JSON.stringify(values) // unambiguous whatever the values contain
    const hit = counts.get(id)
    if (hit) hit.n++
    else counts.set(id, { values, n: 1 })
  }
  return [...counts.values()]
    .sort((a, b) => {
      for (let i = 0; i < names.length; i++) {
        const c = byKey(a.values[i], b.values[i])
        if (c !== 0) return c
      }
      return 0
    })
    .map(({ values, n }) => {
      // Key columns first, count last, for readable tables.
      const out: TableRow = {}
      names.forEach((k, i) => (out[k] = values[i]))
      out.n = n
      return out as TableRow & { n: number }
    })
}

/**
 * Multi-label counts in long form: one row per (group, category) for every group seen (plus
 * `opts.groups`, listed first in that order) and every listed category, zeros included, so a
 * heatmap shows the empty cells: the gaps. A row counts once in each category it carries.
 */
export const categoryCounts = <T extends Labelled>(
  rows: Iterable<T>,
  group: (row: T) => string,
  categories: ReadonlyArray<string>,
  opts: { readonly groups?: ReadonlyArray<string> } = {}
): Array<{ group: string; category: string; n: number }> => {
  const counts = new Map<string, Map<string, number>>()
  for (const g of opts.groups ?? []) counts.set(g, new Map())
  const extra: Array<string> = []
  for (const row of rows) {
    const g = group(row)
    let perCat = counts.get(g)
    if (!perCat) {
      counts.set(g, (perCat = new Map()))
      extra.push(g)
    }
    for (const c of row.categories ?? []) perCat.set(c, (perCat.get(c) ?? 0) + 1)
  }
  const order = [...(opts.groups ?? []), ...extra.sort(byKey)]
  const out: Array<{ group: string; category: string; n: number }> = []
  for (const g of order) {
    for (const c of categories) out.push({ group: g, category: c, n: counts.get(g)!.get(c) ?? 0 })
  }
  return out
}

/**
 * Long form → wide form: one output row per distinct `row` value (first-seen order), one
 * column per distinct `col` value (first-seen order), cells from `value` (missing → `fill`).
 */
export const pivot = (
  long: ReadonlyArray<Readonly<Record<string, unknown>>>,
  fields: { readonly row: string; readonly col: string; readonly value: string },
  fill: Cell = 0
): Array<TableRow> => {
  const rows = new Map<string, TableRow>()
  const cols: Array<string> = []
  for (const r of long) {
    const rk = String(r[fields.row])
    const ck = String(r[fields.col])
    if (ck === fields.row) throw new Error(`pivot: column value "${ck}" clashes with the row field's name`)
    if (!cols.includes(ck)) cols.push(ck)
    let out = rows.get(rk)
    if (!out) rows.set(rk, (out = { [fields.row]: rk }))
    out[ck] = r[fields.value] as Cell
  }
  return [...rows.values()].map((r) => {
    const full: TableRow = { [fields.row]: r[fields.row] }
    for (const c of cols) full[c] = c in r ? r[c] : fill
    return full
  })
}

export interface Balance {
  readonly group: string
  readonly n: number
  readonly safe: number
  readonly unsafe: number
  /** unsafe / n, in [0, 1]. */
  readonly unsafe_share: number
}

/** Safe / unsafe counts per group, sorted by group. */
export const labelBalance = <T extends Labelled>(rows: Iterable<T>, group: (row: T) => string): Array<Balance> => {
  const acc = new Map<string, { safe: number; unsafe: number }>()
  for (const row of rows) {
    const g = group(row)
    let a = acc.get(g)
    if (!a) acc.set(g, (a = { safe: 0, unsafe: 0 }))
    if (row.unsafe) a.unsafe++
    else a.safe++
  }
  return [...acc.keys()].sort(byKey).map((g) => {
    const { safe, unsafe } = acc.get(g)!
    return { group: g, n: safe + unsafe, safe, unsafe, unsafe_share: unsafe / (safe + unsafe) }
  })
}

/** Nearest-rank quantile of ascending-sorted values (an observed value, never interpolated). */
export const quantile = (sorted: ReadonlyArray<number>, q: number): number => {
  if (sorted.length === 0) throw new Error("quantile of an empty list")
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile q must be in [0, 1], got ${q}`)
  const rank = Math.max(1, Math.ceil(q * sorted.length))
  return sorted[rank - 1]
}

export interface LengthSummary {
  readonly group: string
  readonly n: number
  readonly min: number
  readonly p05: number
  readonly p25: number
  readonly median: number
  readonly p75: number
  readonly p95: number
  readonly max: number
}

/**
 * Text length quantiles (code points) per group. Charts draw these few numbers instead of
 * one mark per row, which keeps SVGs small on the full seed set.
 */
export const lengthSummary = <T extends Labelled>(rows: Iterable<T>, group: (row: T) => string): Array<LengthSummary> => {
  const lengths = new Map<string, Array<number>>()
  for (const row of rows) {
    const g = group(row)
    let ls = lengths.get(g)
    if (!ls) lengths.set(g, (ls = []))
    ls.push(textLength(row.text))
  }
  return [...lengths.keys()].sort(byKey).map((g) => {
    const ls = lengths.get(g)!.sort((a, b) => a - b)
    return {
      group: g,
      n: ls.length,
      min: ls[0],
      p05: quantile(ls, 0.05),
      p25: quantile(ls, 0.25),
      median: quantile(ls, 0.5),
      p75: quantile(ls, 0.75),
      p95: quantile(ls, 0.95),
      max: ls[ls.length - 1]
    }
  })
}

/**
 * Length histogram with bins that double in width ([1,2), [2,4), [4,8) …): lengths span
 * tweets to multi-page jailbreak templates, so linear bins would hide everything short.
 * Every group gets every bin between the shortest and longest text of all groups, zeros
 * included, so curves of different groups share one x range and never skip an empty bin.
 * `lo` is a bin's lower edge, `share` its fraction of the group's rows.
 */
export const lengthHistogram = <T extends Labelled>(
  rows: Iterable<T>,
  group: (row: T) => string
): Array<{ group: string; lo: number; hi: number; n: number; share: number }> => {
  const counts = new Map<string, Map<number, number>>()
  let minExp = Infinity
  let maxExp = -Infinity
  for (const row of rows) {
    const g = group(row)
    let bins = counts.get(g)
    if (!bins) counts.set(g, (bins = new Map()))
    const exp = Math.floor(Math.log2(Math.max(1, textLength(row.text))))
    minExp = Math.min(minExp, exp)
    maxExp = Math.max(maxExp, exp)
    bins.set(exp, (bins.get(exp) ?? 0) + 1)
  }
  const out: Array<{ group: string; lo: number; hi: number; n: number; share: number }> = []
  for (const g of [...counts.keys()].sort(byKey)) {
    const bins = counts.get(g)!
    let total = 0
    for (const n of bins.values()) total += n
    for (let exp = minExp; exp <= maxExp; exp++) {
      const n = bins.get(exp) ?? 0
      out.push({ group: g, lo: 2 ** exp, hi: 2 ** (exp + 1), n, share: n / total })
    }
  }
  return out
}

/**
 * Up to `k` rows per group, drawn without replacement. Each group draws from its own child
 * stream (named after the group), so adding a group never changes another group's sample.
 * Groups come out sorted; within a group, rows keep the drawn order.
 */
export const samplePerGroup = <T>(
  rows: ReadonlyArray<T>,
  group: (row: T) => string,
  k: number,
  rng: Rng
): Array<T> => {
  if (!Number.isInteger(k) || k < 0) throw new Error(`samplePerGroup: k must be a non-negative integer, got ${k}`)
  const groups = new Map<string, Array<T>>()
  for (const row of rows) {
    const g = group(row)
    let gs = groups.get(g)
    if (!gs) groups.set(g, (gs = []))
    gs.push(row)
  }
  const out: Array<T> = []
  for (const g of [...groups.keys()].sort(byKey)) {
    out.push(...rng.child(g).shuffle([...groups.get(g)!]).slice(0, k))
  }
  return out
}

/** Shorten to at most `max` code points, marking the cut with an ellipsis. */
export const truncate = (text: string, max: number): string => {
  const chars = [...text]
  return chars.length <= max ? text : chars.slice(0, Math.max(0, max - 1)).join("") + "…"
}

/** `0.4567` → `"45.7 %"`. */
export const percent = (share: number, digits = 1): string => `${(share * 100).toFixed(digits)} %`

const formatCell = (v: Cell | ReadonlyArray<string> | undefined, maxChars: number): string => {
  if (v === null || v === undefined) return ""
  const s = Array.isArray(v)
    ? v.join(", ")
    : typeof v === "number"
      ? Number.isInteger(v) ? String(v) : v.toFixed(3)
      : String(v)
  // One table row per data row: collapse line breaks, escape what Markdown would parse (md.table escapes "|").
  return truncate(s.replace(/\s+/g, " ").trim(), maxChars)
    .replace(/\\/g, "\\\\")
    .replace(/</g, "&lt;")
    .replace(/\*/g, "\\*")
    .replace(/_/g, "\\_")
    .replace(/`/g, "\\`")
}

/**
 * A GitHub-flavoured Markdown table. `columns` picks and orders the columns (default: the
 * first row's keys). Numbers are right-aligned; long cells are cut at `maxChars`.
 */
export const markdownTable = (
  rows: ReadonlyArray<Readonly<Record<string, unknown>>>,
  opts: { readonly columns?: ReadonlyArray<string>; readonly maxChars?: number } = {}
): string => {
  const columns = opts.columns ?? (rows.length > 0 ? Object.keys(rows[0]) : [])
  if (columns.length === 0) return "_(no rows)_"
  const maxChars = opts.maxChars ?? 120
  const numeric = columns.map((c) => rows.length > 0 && rows.every((r) => typeof r[c] === "number"))
  return md.table(
    columns.map((c) => formatCell(c, maxChars)),
    rows.map((r) => columns.map((c) => formatCell(r[c] as Cell | ReadonlyArray<string> | undefined, maxChars))),
    { align: numeric.map((num) => (num ? "right" : "left")) }
  )
}
