/**
 * The benchmark-contamination guard: no training text may equal or nearly equal a
 * benchmark text (any benchmark, any of the four languages). Used by ingest on the seed
 * data and, later, by the self-play generator on every synthetic text.
 *
 * A text is contaminated when
 * - exact: its `matchKey` equals the `matchKey` of a benchmark text, or
 * - near: on word 5-grams ("shingles") of the match keys, at least `containment` (80 %) of
 *   the text's shingles occur in one single benchmark text, or at least 80 % of one
 *   benchmark text's shingles occur in the text; either side needs ≥ `minShingles` (3)
 *   shingles, i.e. ≥ 7 words. This catches a benchmark prompt with a URL or a sentence
 *   added, a jailbreak template whose filled-in copy is a benchmark row, and a training
 *   text that quotes a whole benchmark row.
 *
 * Shingles are stored as 32-bit hashes packed with their owner in one sorted Float64Array
 * (a few tens of MB for all benchmarks), so the index is cheap to build and to query.
 */
import { Effect } from "effect"
import { BenchmarkRow } from "../../schemas/index.ts"
import { fmix32, hash32 } from "../runtime/rng.ts"
import type { FileError, RowDecodeError } from "./errors.ts"
import { matchKey } from "./normalize.ts"
import { readRows } from "./parquet.ts"

export interface ContaminationOptions {
  readonly shingleSize: number
  readonly minShingles: number
  readonly containment: number
}

export const CONTAMINATION_DEFAULTS: ContaminationOptions = { shingleSize: 5, minShingles: 3, containment: 0.8 }

export type ContaminationMatch =
  | { readonly kind: "exact"; readonly benchmarkIndex: number }
  | { readonly kind: "near"; readonly benchmarkIndex: number; readonly overlap: number }

export interface ContaminationIndex {
  /** Number of benchmark texts indexed. */
  readonly size: number
  readonly isContaminated: (text: string) => boolean
  /** Which benchmark text (index into the input) the text collides with, and how. */
  readonly check: (text: string) => ContaminationMatch | null
  /** `check` for a text whose `matchKey` the caller already has. */
  readonly checkKey: (key: string) => ContaminationMatch | null
}

// owner ids must fit the low bits of the packed value: hash (32 bits) · 2^21 + owner < 2^53.
const OWNER_BITS = 2 ** 21

/** Mix two 32-bit values (murmur3-style), order-sensitive. */
const mix = (h: number, k: number): number => {
  k = Math.imul(k, 0xcc9e2d51)
  k = (k << 15) | (k >>> 17)
  h ^= Math.imul(k, 0x1b873593)
  h = (h << 13) | (h >>> 19)
  return (Math.imul(h, 5) + 0xe6546b64) | 0
}


/** Distinct hashes of the word n-grams of a match key (built from word hashes: no substrings). */
const shingleHashes = (key: string, size: number): Array<number> => {
  const words = key.split(" ")
  if (words.length < size) return []
  const wordHashes = words.map(hash32)
  const seen = new Set<number>()
  for (let i = 0; i + size <= words.length; i++) {
    let h = size
    for (let j = 0; j < size; j++) h = mix(h, wordHashes[i + j])
    seen.add(fmix32(h))
  }
  return [...seen]
}

/** Build the guard from benchmark texts (plus any extra texts that must never be trained on). */
export const makeContaminationIndex = (
  texts: ReadonlyArray<string>,
  options: Partial<ContaminationOptions> = {}
): ContaminationIndex => {
  const opts = { ...CONTAMINATION_DEFAULTS, ...options }
  if (texts.length >= OWNER_BITS) throw new Error(`contamination index: at most ${OWNER_BITS - 1} texts`)
  const exact = new Map<string, number>()
  const ownerShingles = new Int32Array(texts.length)
  const packed: Array<number> = []
  texts.forEach((t, owner) => {
    const key = matchKey(t)
    if (!exact.has(key)) exact.set(key, owner)
    const hs = shingleHashes(key, opts.shingleSize)
    ownerShingles[owner] = hs.length
    for (const h of hs) packed.push(h * OWNER_BITS + owner)
  })
  const table = Float64Array.from(packed).sort()

  /** First position whose value is ≥ v. */
  const lowerBound = (v: number): number => {
    let lo = 0
    let hi = table.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (table[mid] < v) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  const checkKey = (key: string): ContaminationMatch | null => {
    const hit = exact.get(key)
    if (hit !== undefined) return { kind: "exact", benchmarkIndex: hit }
    const hs = shingleHashes(key, opts.shingleSize)
    if (hs.length === 0) return null
    const hits = new Map<number, number>()
    for (const h of hs) {
      const base = h * OWNER_BITS
      for (let i = lowerBound(base); i < table.length && table[i] < base + OWNER_BITS; i++) {
        const owner = table[i] - base
        hits.set(owner, (hits.get(owner) ?? 0) + 1)
      }
    }
    let bestOwner = -1
    let bestOverlap = 0
    for (const [owner, n] of hits) {
      // Text inside a benchmark row, or a benchmark row inside the text.
      const inside = hs.length >= opts.minShingles ? n / hs.length : 0
      const contains = ownerShingles[owner] >= opts.minShingles ? n / ownerShingles[owner] : 0
      const overlap = Math.max(inside, contains)
      // Ties go to the lowest owner so the answer never depends on Map order.
      if (overlap > bestOverlap || (overlap === bestOverlap && owner < bestOwner)) {
        bestOwner = owner
        bestOverlap = overlap
      }
    }
    const best: ContaminationMatch | null =
      bestOwner >= 0 && bestOverlap >= opts.containment ? { kind: "near", benchmarkIndex: bestOwner, overlap: bestOverlap } : null
    return best
  }

  const check = (text: string) => checkKey(matchKey(text))
  return { size: texts.length, check, checkKey, isContaminated: (text) => check(text) !== null }
}

/** The guard over every text of a benchmarks table written by ingest. */
export const contaminationIndexFromFile = (
  benchmarksParquet: string,
  options: Partial<ContaminationOptions> = {}
): Effect.Effect<ContaminationIndex, FileError | RowDecodeError> =>
  Effect.map(readRows(BenchmarkRow, benchmarksParquet), (rows) =>
    makeContaminationIndex(
      rows.map((r) => r.text),
      options
    )
  )
