/**
 * Obfuscations an attacker applies to slip an unsafe prompt past a guard, each seeded: the
 * same text, perturbation and Rng give the same output. Used by `pipelines/perturb.ts` to
 * measure how much of the guard's flag rate survives them (the canonicalizer in
 * src/guard/canonicalize.ts is meant to undo all four).
 *
 * Each one touches about half of what it can touch, so the text stays readable to a person,
 * as a real attack's must:
 *   zero-width  – invisible characters (ZWSP, ZWNJ, ZWJ, word joiner, BOM, soft hyphen) inside words
 *   homoglyphs  – Latin letters swapped for Cyrillic/Greek look-alikes (о for o, а for a, …)
 *   leetspeak   – basic leet: a→4/@, e→3, i→1/!, o→0, s→5/$, t→7
 *   spaced      – words spelled out with one separator: `k i l l`, `k.i.l.l`, `k-i-l-l`
 */
import { SWAPS } from "../language/lookalikes.ts"
import type { Rng } from "../runtime/rng.ts"

export const PERTURBATIONS = ["zero-width", "homoglyphs", "leetspeak", "spaced"] as const
export type Perturbation = (typeof PERTURBATIONS)[number]

const WORD = /[\p{L}\p{M}]+/gu

const ZERO_WIDTH = ["\u200B", "\u200C", "\u200D", "\u2060", "\uFEFF", "\u00AD"]

const LEET: Readonly<Record<string, ReadonlyArray<string>>> = {
  a: ["4", "@"], e: ["3"], i: ["1", "!"], o: ["0"], s: ["5", "$"], t: ["7"],
  A: ["4", "@"], E: ["3"], I: ["1", "!"], O: ["0"], S: ["5", "$"], T: ["7"]
}

const SEPARATORS = [" ", ".", "-"]

const pick = <T>(xs: ReadonlyArray<T>, rng: Rng): T => xs[rng.int(xs.length)]

/** Replace each character that has substitutes with one of them, with probability `p`. */
const substitute = (text: string, table: Readonly<Record<string, ReadonlyArray<string>>>, rng: Rng, p: number) => {
  let out = ""
  for (const ch of text) {
    const subs = table[ch]
    out += subs !== undefined && rng.next() < p ? pick(subs, rng) : ch
  }
  return out
}

const zeroWidth = (text: string, rng: Rng) =>
  text.replace(WORD, (w) => {
    const chars = [...w]
    if (chars.length < 3) return w
    // One or two invisible characters at random gaps inside the word.
    const gaps = new Set([1 + rng.int(chars.length - 1), 1 + rng.int(chars.length - 1)].slice(0, 1 + rng.int(2)))
    return chars.map((c, i) => (gaps.has(i) ? pick(ZERO_WIDTH, rng) + c : c)).join("")
  })

const spaced = (text: string, rng: Rng) =>
  text.replace(WORD, (w) => {
    const chars = [...w]
    if (chars.length < 3 || rng.next() >= 0.5) return w
    return chars.join(pick(SEPARATORS, rng))
  })

export const perturb = (kind: Perturbation, text: string, rng: Rng): string => {
  switch (kind) {
    case "zero-width":
      return zeroWidth(text, rng)
    case "homoglyphs":
      return substitute(text, SWAPS, rng, 0.5)
    case "leetspeak":
      return substitute(text, LEET, rng, 0.5)
    case "spaced":
      return spaced(text, rng)
  }
}
