/**
 * Text normalization, in two strengths:
 * - `normalizeText`: what we store. Unicode NFC, HTML entities of the scrape decoded,
 *   invisible control / zero-width characters removed, whitespace tidied. Meaning and
 *   Twitter artefacts (@USER, RT, URLs, hashtags, emoji) are kept as they are.
 * - `matchKey`: what we compare. NFKC, case-folded, punctuation removed, whitespace
 *   collapsed, so "Hello, World!" and "hello world" are the same text for dedup and for
 *   the benchmark-contamination guard.
 */

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " "
}

/**
 * Decode the few HTML entities the tweet scrapes left (`&amp;`, `&#8220;`): they are an
 * encoding artefact, not content, and they would hide duplicates of the plain text.
 */
const decodeEntities = (s: string): string =>
  s.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,6});/gi, (whole, body: string) => {
    if (body[0] === "#") {
      const code = body[1] === "x" || body[1] === "X" ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10)
      // Lone surrogates and NUL would make invalid text: leave those entities alone.
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : whole
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? whole
  })

// C0/C1 controls except tab and newline, zero-width characters, BOM, soft hyphen.
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u200B-\u200D\u2060\uFEFF]/g

/** The stored form of a text. Returns "" for text with nothing visible in it. */
export const normalizeText = (raw: string): string =>
  decodeEntities(raw.normalize("NFC"))
    .replace(/\r\n?/g, "\n")
    .replace(INVISIBLE, "")
    .replace(/[\t\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/g, " ")
    .replace(/[\u2028\u2029]/g, "\n")
    .split("\n")
    .map((line) => line.replace(/ {2,}/g, " ").trim())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim()

/**
 * The comparison form of a text: NFKC (fullwidth, ligatures, superscripts fold),
 * lower-cased with the two common full case-folds (ß→ss, final sigma), every punctuation
 * character removed (apostrophes joined, the rest as a space) and all whitespace collapsed to one space. Symbols (emoji, currency)
 * are kept: they often are the content of a short message. If removing punctuation leaves
 * nothing (a text of only "?!"), the key keeps the punctuation so it is never empty.
 */
export const matchKey = (text: string): string => {
  const folded = normalizeText(text).normalize("NFKC").toLowerCase().replace(/ß/g, "ss").replace(/ς/g, "σ")
  const collapse = (s: string) => s.replace(/\s+/gu, " ").trim()
  // Apostrophes vanish ("don't" = "dont"); other punctuation separates words.
  const key = collapse(folded.replace(/['’ʼ`´]/g, "").replace(/\p{P}+/gu, " "))
  return key.length > 0 ? key : collapse(folded)
}
