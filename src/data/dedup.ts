/**
 * Deduplication by a near-duplicate key, inside and across sources (before the split, so no
 * text lands on both sides of it).
 *
 * Rows with the same key form a group and one row survives:
 * - If any row of the group is unsafe, the survivor is unsafe and carries the union of the
 *   unsafe rows' categories: a text some annotators call hateful must not enter training
 *   labelled safe because another corpus happened to contain it too (a guard's miss costs
 *   more than a false alarm, and the two labels usually come from different label schemes,
 *   e.g. "offensive" vs "hate", not from a disagreement about the text).
 * - Text, language, source and license are those of the first row in source priority
 *   order (the caller's order), among the unsafe rows when the group is unsafe.
 */
import type { CategoryId } from "../../schemas/index.ts"
import { sortCategories } from "./categorize.ts"
import { matchKey } from "./normalize.ts"

/** What differs between copies of one post: links, @mentions, and the masks "RT" and "URL". */
const NOISE = /https?:\/\/\S+|www\.\S+|@\S+|\bRT\b|\bURL\b/giu
/** Below this many letters the loose key is too short to say two texts are the same: use the exact key. */
const MIN_LOOSE_LETTERS = 12

/**
 * Near-duplicate key of a (normalized) text: the same text up to links, mentions, emoji,
 * punctuation, symbols, diacritics and spacing (two corpora, or two catalogs, that share a
 * text seldom agree on those). Short texts keep their exact match key.
 */
export const nearDuplicateKey = (text: string): string => {
  const loose = matchKey(text.replace(NOISE, (m) => (/^(rt|url)$/i.test(m) && m !== m.toUpperCase() ? m : " ")))
    .normalize("NFD")
    .replace(/[^\p{L}\p{N}]/gu, "")
  return [...loose.matchAll(/\p{L}/gu)].length >= MIN_LOOSE_LETTERS ? `~${loose}` : matchKey(text)
}

export interface Keyed {
  readonly key: string
  readonly text: string
  readonly source: string
  readonly unsafe: boolean
  readonly categories: ReadonlyArray<CategoryId>
}

export interface DedupStats {
  /** Rows removed per source because an earlier row had the same key. */
  readonly removedBySource: Readonly<Record<string, number>>
  /** Of those, rows whose stored text was identical (not only the same key). */
  readonly exactBySource: Readonly<Record<string, number>>
  /** Groups holding rows of more than one source. */
  readonly crossSourceGroups: number
  /** Groups holding both a safe and an unsafe row (resolved to unsafe). */
  readonly conflictingGroups: number
  /** Groups whose unsafe rows disagreed on categories (resolved by union). */
  readonly categoryUnions: number
}

/**
 * Keep one row per key. `rows` must already be in source priority order; the output keeps
 * the order of the surviving representatives.
 */
export const dedupByKey = <T extends Keyed>(rows: ReadonlyArray<T>): { rows: Array<T>; stats: DedupStats } => {
  const groups = new Map<string, Array<T>>()
  const order: Array<string> = []
  for (const r of rows) {
    let g = groups.get(r.key)
    if (!g) {
      groups.set(r.key, (g = []))
      order.push(r.key)
    }
    g.push(r)
  }
  const removedBySource: Record<string, number> = {}
  const exactBySource: Record<string, number> = {}
  let crossSourceGroups = 0
  let conflictingGroups = 0
  let categoryUnions = 0
  const out: Array<T> = []
  for (const key of order) {
    const g = groups.get(key)!
    const unsafeRows = g.filter((r) => r.unsafe)
    const rep = unsafeRows[0] ?? g[0]
    if (g.length > 1) {
      if (new Set(g.map((r) => r.source)).size > 1) crossSourceGroups++
      if (unsafeRows.length > 0 && unsafeRows.length < g.length) conflictingGroups++
      for (const r of g) {
        if (r === rep) continue
        removedBySource[r.source] = (removedBySource[r.source] ?? 0) + 1
        if (r.text === rep.text) exactBySource[r.source] = (exactBySource[r.source] ?? 0) + 1
      }
    }
    if (unsafeRows.length > 1) {
      const union = sortCategories(unsafeRows.flatMap((r) => r.categories))
      if (union.length !== rep.categories.length) {
        categoryUnions++
        out.push({ ...rep, categories: union })
        continue
      }
    }
    out.push(rep)
  }
  return { rows: out, stats: { removedBySource, exactBySource, crossSourceGroups, conflictingGroups, categoryUnions } }
}

/**
 * Deduplicate by several keys in turn (each pass keeps one row per key, as `dedupByKey`), adding
 * up the statistics. The ingest needs two passes: the near-duplicate key, then the key the row id
 * is made from, because two texts of one source can share an exact match key and still get
 * different near keys (the mask "RT" is noise, the word "rt" is not) and would share an id.
 */
export const dedupByKeys = <T extends Keyed>(
  rows: ReadonlyArray<T>,
  keys: ReadonlyArray<(row: T) => string>
): { rows: Array<T>; stats: DedupStats } => {
  const add = (a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>) => {
    const out: Record<string, number> = { ...a }
    for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v
    return out
  }
  let current: Array<T> = [...rows]
  let stats: DedupStats = { removedBySource: {}, exactBySource: {}, crossSourceGroups: 0, conflictingGroups: 0, categoryUnions: 0 }
  for (const keyOf of keys) {
    const pass = dedupByKey(current.map((r) => ({ ...r, key: keyOf(r) })))
    current = pass.rows
    stats = {
      removedBySource: add(stats.removedBySource, pass.stats.removedBySource),
      exactBySource: add(stats.exactBySource, pass.stats.exactBySource),
      crossSourceGroups: stats.crossSourceGroups + pass.stats.crossSourceGroups,
      conflictingGroups: stats.conflictingGroups + pass.stats.conflictingGroups,
      categoryUnions: stats.categoryUnions + pass.stats.categoryUnions
    }
  }
  return { rows: current, stats }
}
