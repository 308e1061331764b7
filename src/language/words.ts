/** Words of a text, in any script: what the spell check counts and the word-level operators rewrite. */

export interface Token {
  readonly text: string
  readonly word: boolean
}

// A word: letters (with combining marks), inner apostrophes or hyphens allowed ("don't", "e-mail").
const WORD = /\p{L}[\p{L}\p{M}]*(?:['’-]\p{L}[\p{L}\p{M}]*)*/gu

/** Split into alternating word / non-word tokens; joining the texts gives the input back. */
export const tokenize = (text: string): Array<Token> => {
  const out: Array<Token> = []
  let last = 0
  for (const m of text.matchAll(WORD)) {
    const i = m.index ?? 0
    if (i > last) out.push({ text: text.slice(last, i), word: false })
    out.push({ text: m[0], word: true })
    last = i + m[0].length
  }
  if (last < text.length) out.push({ text: text.slice(last), word: false })
  return out
}

export const countWords = (text: string): number => [...text.matchAll(WORD)].length
