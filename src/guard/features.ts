/**
 * Text → sparse bag of hashed features (the guard's only view of a text).
 *
 * Features are taken from the canonicalized text (see canonicalize.ts): character n-grams of
 * each word with boundary markers (`<kill>` → `<k`, `<ki`, `kil`, ...), the words themselves
 * and word bigrams, each hashed into `buckets` embedding rows. Character n-grams make the guard
 * work on unseen languages, scripts and misspellings; words and bigrams carry the exact
 * phrases. Every text also gets one constant "text" feature, so an empty text still has a
 * well-defined representation (and every batch row is non-empty).
 *
 * With a cross-lingual lexicon (lexicon.ts, `lexicon: true`), a word found there also emits
 * its English glosses' word and character n-gram features, and bigrams are formed over the
 * glossed stream too ("cómo matar" also gives "how kill"): a Spanish request then shares
 * most of its features with the English requests the guard learned from.
 *
 * Browser-safe: no `node:` imports. Deterministic: pure functions of the text and the config.
 */
import { Schema } from "effect"
import { canonicalize, stripInvisible } from "./canonicalize.ts"
import { lookup, type Lexicon } from "./lexicon.ts"
import { segment, WORD_START, type Pieces } from "./pieces.ts"
import { fmix32 } from "../runtime/rng.ts"

export const FeatureConfig = Schema.Struct({
  /** Number of embedding rows the hashes fold into (a power of two). */
  buckets: Schema.Int.pipe(
    Schema.positive(),
    Schema.filter((n) => (n & (n - 1)) === 0 || `buckets must be a power of two, got ${n}`)
  ),
  /** Character n-gram orders, inclusive; 0 for `charMax` disables character n-grams. */
  charMin: Schema.Int.pipe(Schema.between(1, 8)),
  charMax: Schema.Int.pipe(Schema.between(0, 8)),
  /** 0: no word features, 1: words, 2: words + bigrams. */
  wordNgrams: Schema.Int.pipe(Schema.between(0, 2)),
  /**
   * Long inputs are cut to their first `headChars` and last `tailChars` characters before
   * canonicalization (invisible characters are removed first, so padding made of them cannot
   * hide content): a 1 MB text costs as much as a 4 kB one, and content appended at the end of
   * a long text is still seen.
   */
  headChars: Schema.Int.pipe(Schema.positive()),
  tailChars: Schema.Int.pipe(Schema.nonNegative()),
  /** Add the English glosses of foreign words (lexicon.ts). Models saved before it: false. */
  lexicon: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  /**
   * What a glossed foreign word emits: "add" its own features and its glosses', or "replace"
   * its own with its glosses' (the text then reads like English wherever the lexicon knows the
   * words). Models saved before it: "add".
   */
  lexiconMode: Schema.optionalWith(Schema.Literal("add", "replace"), { default: () => "add" as const }),
  /**
   * Split words into subword pieces (pieces.ts) and add each piece and neighbouring pair of a
   * word that splits into several. Models saved before it: false.
   */
  pieces: Schema.optionalWith(Schema.Boolean, { default: () => false })
}).pipe(Schema.filter((c) => c.charMax === 0 || c.charMin <= c.charMax || `charMin ${c.charMin} > charMax ${c.charMax}`))
export type FeatureConfig = typeof FeatureConfig.Type

export const DEFAULT_FEATURES: FeatureConfig = {
  buckets: 1 << 19,
  charMin: 2,
  charMax: 5,
  wordNgrams: 2,
  headChars: 3000,
  tailChars: 1000,
  lexicon: true,
  lexiconMode: "add",
  pieces: true
}

/** Cut a long text to head + tail (see `headChars`), after dropping its invisible characters. */
export const truncate = (text: string, cfg: FeatureConfig): string => {
  if (text.length <= cfg.headChars + cfg.tailChars) return text
  const visible = stripInvisible(text)
  return visible.length <= cfg.headChars + cfg.tailChars
    ? visible
    : `${visible.slice(0, cfg.headChars)} ${cfg.tailChars > 0 ? visible.slice(visible.length - cfg.tailChars) : ""}`
}

/**
 * The canonical text the features are hashed from. It is cut to head + tail once more after
 * NFKC when normalization made it longer: one U+FDFA becomes 18 characters, so a cut of 4,000
 * of them cost the rest of the pipeline 72,000 (a 1 MiB request ~8× the CPU of an ASCII one).
 * A text that NFKC does not lengthen past the cut is featurized exactly as before.
 */
export const featureText = (text: string, cfg: FeatureConfig): string => {
  const cut = truncate(text, cfg)
  const normalized = cut.normalize("NFKC")
  return canonicalize(normalized.length > cut.length && normalized.length > cfg.headChars + cfg.tailChars + 1 ? truncate(normalized, cfg) : cut)
}

// Namespaces keep a word and a character n-gram with the same letters apart.
const NS_CHAR = 0x9e3779b1 | 0
const NS_WORD = 0x7f4a7c15 | 0
const NS_BIGRAM = 0x2545f491 | 0
const NS_PIECE = 0x1b873593 | 0
const NS_PIECE_PAIR = 0x68e31da4 | 0
const TEXT_FEATURE = 0x5bd1e995

const FNV_PRIME = 0x01000193
const mix = fmix32

const WORD = /[\p{L}\p{M}\p{N}]+/gu
const BOW = 0x3c // "<"
const EOW = 0x3e // ">"

/** The words of a text as the features see them (canonical, split the same way): lexicon keys must match these. */
export const canonicalWords = (text: string): Array<string> => canonicalize(text).match(WORD) ?? []

/** A growable int buffer, reused across texts to avoid per-text allocation. */
class IntBuffer {
  data = new Int32Array(1024)
  length = 0
  push(v: number) {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2)
      next.set(this.data)
      this.data = next
    }
    this.data[this.length++] = v
  }
}

/** Hashed feature ids of one already-canonical text, with repeats, appended to `out`. */
const hashInto = (canon: string, cfg: FeatureConfig, out: IntBuffer, codes: IntBuffer, glosses: GlossTable | null, pieces: PieceSplitter | null): void => {
  const mask = cfg.buckets - 1
  out.push(mix(TEXT_FEATURE) & mask)
  let prevWord = 0
  let hasPrev = false
  let prevStream = 0
  let prevGlossed = false
  let prevReplaced = false
  WORD.lastIndex = 0
  for (let m = WORD.exec(canon); m !== null; m = WORD.exec(canon)) {
    const w = m[0]
    const g = glosses === null ? undefined : lookup(glosses, w)
    const replaced = g !== undefined && cfg.lexiconMode === "replace"
    // A replaced word emits none of its own features; its hash is never used (no bigram has it).
    const hw = replaced ? 0 : wordFeatures(w, cfg, out, codes)
    if (pieces !== null && !replaced) pieces.features(w, mask, out)
    if (cfg.wordNgrams >= 2 && hasPrev && !replaced && !prevReplaced) out.push(mix(Math.imul(prevWord ^ NS_BIGRAM, FNV_PRIME) ^ hw) & mask)
    let stream = hw
    let glossed = false
    if (glosses !== null) {
      if (g !== undefined) {
        for (let k = 1; k < g.length; k++) out.push(g[k])
        stream = g[0]
        glossed = true
        if (cfg.wordNgrams >= 2 && hasPrev) out.push(mix(Math.imul(prevStream ^ NS_BIGRAM, FNV_PRIME) ^ stream) & mask)
      } else if (cfg.wordNgrams >= 2 && hasPrev && prevGlossed) out.push(mix(Math.imul(prevStream ^ NS_BIGRAM, FNV_PRIME) ^ stream) & mask)
    }
    prevWord = hw
    prevStream = stream
    prevGlossed = glossed
    prevReplaced = replaced
    hasPrev = true
  }
}

/** Word and character n-gram features of one word, appended to `out`; returns the word hash. */
const wordFeatures = (w: string, cfg: FeatureConfig, out: IntBuffer, codes: IntBuffer): number => {
  const mask = cfg.buckets - 1
  codes.length = 0
  codes.push(BOW)
  let hw = NS_WORD
  for (let i = 0; i < w.length; i++) {
    const c = w.charCodeAt(i)
    hw = Math.imul(hw ^ c, FNV_PRIME)
    codes.push(c)
  }
  codes.push(EOW)
  if (cfg.wordNgrams >= 1) out.push(mix(hw) & mask)
  if (cfg.charMax > 0) {
    const cs = codes.data
    const n = codes.length
    for (let i = 0; i < n; i++) {
      let h = NS_CHAR
      const end = Math.min(n, i + cfg.charMax)
      for (let j = i; j < end; j++) {
        h = Math.imul(h ^ cs[j], FNV_PRIME)
        if (j - i + 1 >= cfg.charMin) out.push(mix(h ^ (j - i + 1)) & mask)
      }
    }
  }
  return hw
}

/**
 * Foreign word → its glosses' features: `ids[0]` is the first gloss's word hash (for bigrams),
 * the rest feature ids. Computed on first use and kept, so loading a model stays cheap.
 */
class GlossTable {
  private readonly cache = new Map<string, Int32Array>()
  private readonly out = new IntBuffer()
  private readonly codes = new IntBuffer()
  constructor(private readonly lexicon: Lexicon, private readonly cfg: FeatureConfig) {}

  get(word: string): Int32Array | undefined {
    const hit = this.cache.get(word)
    if (hit !== undefined) return hit
    const glosses = this.lexicon.get(word)
    if (glosses === undefined) return undefined
    const out = this.out
    out.length = 0
    out.push(0)
    glosses.forEach((g, i) => {
      const h = wordFeatures(g, this.cfg, out, this.codes)
      if (i === 0) out.data[0] = h
    })
    const ids = out.data.slice(0, out.length)
    this.cache.set(word, ids)
    return ids
  }
}

/** Piece and piece-pair features of a word that splits into two or more pieces (a whole-word piece is the word feature already). */
class PieceSplitter {
  private readonly split: Array<string> = []
  constructor(private readonly pieces: Pieces) {}

  features(word: string, mask: number, out: IntBuffer): void {
    // Most words of spaced languages are one piece: one lookup instead of the split.
    if (this.pieces.set.has(WORD_START + word)) return
    const split = this.split
    segment(this.pieces, word, split)
    if (split.length < 2) return
    let prev = 0
    for (let k = 0; k < split.length; k++) {
      const p = split[k]
      let h = NS_PIECE
      for (let i = 0; i < p.length; i++) h = Math.imul(h ^ p.charCodeAt(i), FNV_PRIME)
      out.push(mix(h) & mask)
      if (k > 0) out.push(mix(Math.imul(prev ^ NS_PIECE_PAIR, FNV_PRIME) ^ h) & mask)
      prev = h
    }
  }
}

/**
 * A batch of texts as a binary sparse matrix in CSR form: text `b` owns the distinct, sorted
 * feature ids `ids[offsets[b] .. offsets[b+1]]`. Counts are dropped (a binary bag): a word
 * repeated fifty times must not drown the rest of the text.
 */
export interface SparseBatch {
  readonly size: number
  readonly offsets: Int32Array
  readonly ids: Int32Array
}

export class Featurizer {
  private readonly raw = new IntBuffer()
  private readonly codes = new IntBuffer()
  private readonly glosses: GlossTable | null
  private readonly pieces: PieceSplitter | null
  /** `lexicon` (`pieces`) is required when `config.lexicon` (`config.pieces`) is set, and ignored otherwise. */
  constructor(readonly config: FeatureConfig, lexicon: Lexicon | null = null, pieces: Pieces | null = null) {
    if (config.lexicon && lexicon === null) throw new Error("features: config.lexicon is set but no lexicon was given")
    if (config.pieces && pieces === null) throw new Error("features: config.pieces is set but no pieces were given")
    this.glosses = config.lexicon && lexicon !== null ? new GlossTable(lexicon, config) : null
    this.pieces = config.pieces && pieces !== null ? new PieceSplitter(pieces) : null
  }

  /** Sorted distinct feature ids of one text (never empty: the constant text feature). */
  featurize(text: string): Int32Array {
    this.raw.length = 0
    hashInto(featureText(text, this.config), this.config, this.raw, this.codes, this.glosses, this.pieces)
    const sorted = this.raw.data.subarray(0, this.raw.length).sort()
    let distinct = 0
    for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[distinct++] = sorted[i]
    return sorted.slice(0, distinct)
  }

  batch(texts: ReadonlyArray<string>): SparseBatch {
    return concatSparse(texts.map((t) => this.featurize(t)))
  }
}

/** Stack per-text id lists into one CSR batch. */
export const concatSparse = (parts: ReadonlyArray<Int32Array>): SparseBatch => {
  const offsets = new Int32Array(parts.length + 1)
  for (let i = 0; i < parts.length; i++) offsets[i + 1] = offsets[i] + parts[i].length
  const ids = new Int32Array(offsets[parts.length])
  for (let i = 0; i < parts.length; i++) ids.set(parts[i], offsets[i])
  return { size: parts.length, offsets, ids }
}
