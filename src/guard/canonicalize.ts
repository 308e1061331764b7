/**
 * Input canonicalization shared by training and inference: the guard must see `k1ll`,
 * `k i l l`, `kiiiill`, `ｋｉｌｌ` and `кill` (Cyrillic к) as the same word, so obfuscation
 * is undone before features are extracted. Browser-safe (no `node:` imports) and cheap:
 * one NFKC call, a few linear regex passes, no allocation per character in the hot path.
 *
 * Steps, in order (each one's reason is next to its code):
 *   NFKC → drop invisible/bidi controls → homoglyph folding → lower-case → spaced-letter joining
 *   → leetspeak → elongation squeezing → whitespace collapse.
 */
import { FOLD } from "../language/lookalikes.ts"

/** Zero-width characters, soft hyphen, word joiner, BOM, Mongolian vowel separator, bidi controls. */
const INVISIBLE = /[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u061C\u034F]/g

/**
 * Homoglyph folding: FOLD maps Cyrillic and Greek letters that render like a Latin letter, upper
 * and lower case, to that letter (src/language/lookalikes.ts). Folding happens before
 * lower-casing because case matters: Greek capital Eta `Η` looks like `H`, its small form `η`
 * like `n`. Applied only to words that mix scripts or consist solely of look-alikes (see
 * `foldWord`), so genuine Russian or Greek words, which contain letters outside the table, are
 * left alone.
 */
const HOMOGLYPH_CLASS = new RegExp(`[${Object.keys(FOLD).join("")}]`)
/** A run of letters (any script) with the look-alike characters we may fold. */
const WORD = /[\p{L}\p{M}]+/gu
/** Latin letters, accented ones included (é, ä, ß, ñ ...). */
const LATIN = /[A-Za-z\u00C0-\u024F]/

const CYRILLIC_GREEK_LETTERS = /[\u0370-\u03FF\u0400-\u052F]/g

/**
 * Is this Latin-script text (possibly attacked), rather than genuine Cyrillic or Greek? Real
 * Russian or Greek uses many letters with no Latin twin (б, д, и, л, я, δ, λ, π, ...); an attack
 * uses look-alikes only. Fewer than 10 % twinless letters among the Cyrillic/Greek ones reads
 * as an attack, however many letters were swapped.
 */
const isLatinContext = (s: string): boolean => {
  const foreign = s.match(CYRILLIC_GREEK_LETTERS) ?? []
  let twinless = 0
  for (const ch of foreign) if (FOLD[ch] === undefined) twinless++
  return twinless < 0.1 * foreign.length
}

/**
 * Fold one word. A word that mixes Latin with look-alikes is an attack (`кill`); a word made
 * only of look-alikes (`сор`) is folded only in Latin context, so that Russian `как` in a
 * Russian sentence stays Russian.
 */
const foldWord = (latinText: boolean) => (w: string): string => {
  if (!HOMOGLYPH_CLASS.test(w)) return w
  let allLookAlike = true
  let hasLatin = false
  for (const ch of w) {
    if (LATIN.test(ch)) hasLatin = true
    else if (FOLD[ch] === undefined) allLookAlike = false
  }
  if (!(hasLatin || (latinText && allLookAlike))) return w
  let out = ""
  for (const ch of w) out += FOLD[ch] ?? ch
  return out
}


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
/** A word with its digits and leet symbols: the unit the leet decision is made on. */
const LEET_TOKEN = /[\p{L}\p{N}@$!|€]+/gu
const HAS_LETTER = /\p{L}/u
const LEET_CHAR = /[013457@$!|€]/
/** A digit that no leet spelling uses: `covid19`, `b2b`, `gr8` are not de-leeted. */
const OTHER_DIGIT = /[2689]|[^\P{N}0-9]/u
/** Numbers with units, ordinals and times are not obfuscation: `3rd`, `1er`, `5pm`, `10km`. */
const NUMBER_WORD = /^[0-9]+(st|nd|rd|th|er|re|e|eme|ème|º|ª|am|pm|hr|hrs|min|gb|mb|kb|kg|km|cm|mm|ml)$/
/** `@username` is a mention, `@ss` is leet. */
const MENTION = /^@[\p{L}_]{4,}/u

/**
 * De-leet one token that mixes letters and leet characters (`k1ll`, `h3ll0`, `b357`, `@ss`,
 * `a$$hole`, `th3`), unless it is a number word, a mention, or has a digit leet never uses.
 * Trailing `!`s are punctuation, not `i`s. Pure-digit tokens (`17`, `4`) stay numbers:
 * ambiguous. The price: product names like `mp3` become `mpe` (consistently, in training too).
 */
const unleetToken = (token: string): string => {
  let t = token
  let tail = ""
  while (t.endsWith("!")) {
    tail += "!"
    t = t.slice(0, -1)
  }
  if (!HAS_LETTER.test(t) || !LEET_CHAR.test(t) || OTHER_DIGIT.test(t) || NUMBER_WORD.test(t) || MENTION.test(t)) {
    return token
  }
  let out = ""
  for (const ch of t) out += LEET[ch] ?? ch
  return out + tail
}

/**
 * Three or more of the same non-digit character → one: `kiiiiill` → `kill`, `sooooo` → `so`,
 * `!!!` → `!`. Digits are exempt so that `1000` stays a number.
 */
const ELONGATED = /(\D)\1{2,}/gu
const HAS_LEET = /[013457@$!|€]/
const HAS_SPACED = /(?:^|[^\p{L}\p{N}])[\p{L}0-9@$!|][ .\-_*·][\p{L}0-9@$!|][ .\-_*·][\p{L}0-9@$!|](?:$|[^\p{L}\p{N}])/u
const SPACES = /\s+/gu

/**
 * Drop the invisible characters only. Cheap, so it runs on the whole text before a long one is
 * cut to head + tail (features.ts): thousands of zero-width characters must not push the content
 * out of the part the guard reads.
 */
export const stripInvisible = (text: string): string => text.replace(INVISIBLE, "")

export const canonicalize = (text: string): string => {
  let s = stripInvisible(text.normalize("NFKC"))
  // The tests before each pass skip a per-word callback on the common clean input.
  if (HOMOGLYPH_CLASS.test(s)) s = s.replace(WORD, foldWord(isLatinContext(s)))
  s = s.toLowerCase()
  if (HAS_SPACED.test(s)) s = s.replace(SPACED, joinSpaced)
  if (HAS_LEET.test(s)) s = s.replace(LEET_TOKEN, unleetToken)
  s = s.replace(ELONGATED, "$1")
  s = s.replace(SPACES, " ").trim()
  return s
}
