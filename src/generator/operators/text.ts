/** Word-level helpers shared by the word-substituting operators (tokenizing: src/language/words.ts). */
import type { Lang } from "../../../schemas/index.ts"
import type { FunctionWords } from "../resources/load.ts"

const isUpper = (s: string) => s === s.toUpperCase() && s !== s.toLowerCase()

/**
 * Carry the source word's casing onto a replacement: ALL CAPS stays all caps, a capitalised
 * word gives a capitalised replacement. Never lower-cases (German nouns keep their capital).
 */
export const matchCase = (source: string, replacement: string): string => {
  if (replacement.length === 0) return replacement
  if (source.length > 1 && isUpper(source)) return replacement.toUpperCase()
  if (isUpper(source[0])) return replacement[0].toUpperCase() + replacement.slice(1)
  return replacement
}

/** Content-word test and function-word translation, built once from the resource file. */
export interface Words {
  /** Carries meaning: not a function word of its language, at least 3 letters. */
  readonly isContent: (word: string, lang: Lang) => boolean
  /** Default translation of an English function word into `target`, if listed. */
  readonly fromEnglish: (word: string, target: Lang) => string | undefined
}

export const makeWords = (fw: FunctionWords): Words => {
  const stop = new Map(Object.entries(fw.stopwords).map(([l, ws]) => [l, new Set(ws.map((w) => w.toLowerCase()))]))
  return {
    isContent: (word, lang) => word.length >= 3 && !(stop.get(lang)?.has(word.toLowerCase()) ?? false),
    fromEnglish: (word, target) => fw.fromEnglish[target]?.[word.toLowerCase()]
  }
}
