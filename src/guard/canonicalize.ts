/**
 * Input canonicalization shared by training and inference: the guard must see `k1ll`,
 * `k i l l`, `kiiiill`, `ｋｉｌｌ` and `кill` (Cyrillic к) as the same word, so obfuscation
 * is undone before features are extracted. Browser-safe (no `node:` imports) and cheap:
 * one NFKC call, a few linear regex passes, no allocation per character in the hot path.
 *
 * Steps, in order (each one's reason is next to its code):
 *   NFKC → drop invisible/bidi controls → lower-case → homoglyph folding → spaced-letter joining
 *   → leetspeak → elongation squeezing → whitespace collapse.
 */

/** Zero-width characters, soft hyphen, word joiner, BOM, Mongolian vowel separator, bidi controls. */
const INVISIBLE = /[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u061C\u034F]/g

/**
 * Lower-case Cyrillic and Greek letters that render like a Latin letter. Applied only to words
 * that mix scripts or that consist solely of look-alikes (see `foldWord`), so genuine Russian
 * or Greek words, which contain letters outside this table, are left alone.
 */
const HOMOGLYPHS: Readonly<Record<string, string>> = {
  // Cyrillic
  "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
  "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d",
  "ԛ": "q", "ԝ": "w", "ɡ": "g", "һ": "h", "ү": "y", "ӏ": "l", "ԍ": "g",
  // Greek
  "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
  "υ": "u", "χ": "x", "γ": "y", "η": "n", "ω": "w", "ϲ": "c", "ϳ": "j", "ѵ": "v",
  // Latin look-alikes outside ASCII that NFKC keeps
  "ı": "i", "ɑ": "a", "ɩ": "i", "ο\u0301": "o"
}
const HOMOGLYPH_CLASS = new RegExp(`[${Object.keys(HOMOGLYPHS).filter((k) => k.length === 1).join("")}]`)
/** A run of letters (any script) with the look-alike characters we may fold. */
const WORD = /[\p{L}\p{M}]+/gu
const LATIN = /[a-z]/

const LATIN_LETTERS = /[a-z]/g
const CYRILLIC_GREEK_LETTERS = /[\u0370-\u03FF\u0400-\u052F]/g

/**
 * Fold one word. A word that mixes Latin with look-alikes is an attack (`кill`); a word made
 * only of look-alikes (`сор`) is folded only inside mostly-Latin text, so that Russian `как`
 * in a Russian sentence stays Russian.
 */
const foldWord = (latinText: boolean) => (w: string): string => {
  if (!HOMOGLYPH_CLASS.test(w)) return w
  let allLookAlike = true
  let hasLatin = false
  for (const ch of w) {
    if (LATIN.test(ch)) hasLatin = true
    else if (HOMOGLYPHS[ch] === undefined) allLookAlike = false
  }
  if (!(hasLatin || (latinText && allLookAlike))) return w
  let out = ""
  for (const ch of w) out += HOMOGLYPHS[ch] ?? ch
  return out
}

const isMostlyLatin = (s: string): boolean =>
  (s.match(LATIN_LETTERS)?.length ?? 0) > (s.match(CYRILLIC_GREEK_LETTERS)?.length ?? 0)

/**
 * Spaced-out letters: `k i l l`, `k.i.l.l`, `k-i-l-l`, `k_i_l_l`, `k*i*l*l` → `kill`.
 * Three or more single characters joined by one repeated separator; natural text rarely has
 * three one-letter words in a row, and acronyms like `u.s.a.` fold harmlessly to `usa`.
 * Leet digits may appear inside (`k 1 l l`), but the run needs at least two letters.
 */
const SPACED = /(?<![\p{L}\p{N}@$!|])[\p{L}0-9@$!|]([ .\-_*·])[\p{L}0-9@$!|](?:\1[\p{L}0-9@$!|])+(?![\p{L}\p{N}])/gu
const joinSpaced = (run: string, sep: string): string => {
  const parts = run.split(sep)
  let letters = 0
  for (const p of parts) if (/\p{L}/u.test(p)) letters++
  return letters >= 2 ? parts.join("") : run
}

/** Leet characters and what they stand for. `1` reads as `i` (k1ll, 1diot, sh1t). */
const LEET: Readonly<Record<string, string>> = {
  "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i", "|": "l", "€": "e"
}
/** A token of letters and leet characters. */
const LEET_TOKEN = /[\p{L}0134579@$!|€]+/gu
/** A leet character immediately followed by a letter: `k1ll`, `h3llo`, `@ss`, `b!tch`. */
const LEET_BEFORE_LETTER = /[0134579@$!|€]\p{L}/u
/** Ordinals and mentions are not obfuscation: `3rd`, `1er`, `@username`. */
const ORDINAL = /^[0-9]+(st|nd|rd|th|er|re|e|eme|ème|o|a|º|ª)$/
const MENTION = /^@[\p{L}_]{4,}/u

const unleetToken = (t: string): string => {
  if (!LEET_BEFORE_LETTER.test(t) || ORDINAL.test(t) || MENTION.test(t)) return t
  // Pure symbol runs like `!!!` never reach here (no letter after a leet char).
  let out = ""
  for (const ch of t) out += LEET[ch] ?? ch
  return out
}

/**
 * Three or more of the same non-digit character → one: `kiiiiill` → `kill`, `sooooo` → `so`,
 * `!!!` → `!`. Digits are exempt so that `1000` stays a number.
 */
const ELONGATED = /(\D)\1{2,}/gu
const HAS_LEET = /[0134579@$!|€]/
const HAS_SPACED = /(?:^|[^\p{L}\p{N}])[\p{L}0-9@$!|][ .\-_*·][\p{L}0-9@$!|][ .\-_*·][\p{L}0-9@$!|](?:$|[^\p{L}\p{N}])/u
const SPACES = /\s+/gu

export const canonicalize = (text: string): string => {
  let s = text.normalize("NFKC")
  s = s.replace(INVISIBLE, "")
  s = s.toLowerCase()
  // The tests before each pass skip a per-word callback on the common clean input.
  if (HOMOGLYPH_CLASS.test(s)) s = s.replace(WORD, foldWord(isMostlyLatin(s)))
  if (HAS_SPACED.test(s)) s = s.replace(SPACED, joinSpaced)
  if (HAS_LEET.test(s)) s = s.replace(LEET_TOKEN, unleetToken)
  s = s.replace(ELONGATED, "$1")
  s = s.replace(SPACES, " ").trim()
  return s
}
