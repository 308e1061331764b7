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
