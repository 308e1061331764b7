/**
 * The cross-lingual lexicon: foreign word → its English glosses ("matar" → kill, "waffen" →
 * weapons, arms). Character n-grams cannot tell the guard that "bomba" and "bomb" mean the
 * same, and the seed's harmful requests are almost all English; with the lexicon, a French,
 * German or Spanish word also contributes the features of its English gloss (features.ts), so
 * what the guard learned from English requests carries over.
 *
 * Stored as text, one entry per line: `word<TAB>gloss gloss…` (keys and glosses already
 * canonical, as canonicalize.ts leaves them); `#` lines are comments. Built from the seed and
 * the Apertium and FreeDict dictionaries by `pipelines/build-lexicon.ts`; shipped inside each
 * model's `model.json`, so a model folder is self-contained in Node and in a browser.
 *
 * Browser-safe: no `node:` imports.
 */

/** Foreign word → English glosses, best first. */
export type Lexicon = ReadonlyMap<string, ReadonlyArray<string>>

/** Glosses kept per word: more adds noise ("bombe" → pumps, bomb) faster than meaning. */
export const MAX_GLOSSES = 3

const TOKEN = /^[\p{L}\p{M}\p{N}]+$/u
/** A well-formed entry in one test (the per-part checks below only run to name what is wrong). */
const ENTRY = new RegExp(`^[\\p{L}\\p{M}\\p{N}]+\t[\\p{L}\\p{M}\\p{N}]+(?: [\\p{L}\\p{M}\\p{N}]+){0,${MAX_GLOSSES - 1}}$`, "u")

/** Parse lexicon text; throws an Error naming the first bad line. */
export const parseLexicon = (text: string): Lexicon => {
  const out = new Map<string, ReadonlyArray<string>>()
  text.split("\n").forEach((line, i) => {
    if (line.length === 0 || line.startsWith("#")) return
    if (ENTRY.test(line)) {
      const tab = line.indexOf("\t")
      const word = line.slice(0, tab)
      if (!out.has(word)) return void out.set(word, line.slice(tab + 1).split(" "))
    }
    const bad = (why: string) => new Error(`lexicon line ${i + 1}: ${why}: ${JSON.stringify(line.slice(0, 80))}`)
    const tab = line.indexOf("\t")
    if (tab < 0) throw bad("expected `word<TAB>glosses`")
    const word = line.slice(0, tab)
    const glosses = line.slice(tab + 1).split(" ").filter((g) => g.length > 0)
    if (!TOKEN.test(word)) throw bad("the word must be a single token of letters/digits")
    if (glosses.length === 0 || glosses.length > MAX_GLOSSES) throw bad(`expected 1–${MAX_GLOSSES} glosses`)
    const wrong = glosses.find((g) => !TOKEN.test(g))
    if (wrong !== undefined) throw bad(`gloss ${JSON.stringify(wrong)} is not a single token`)
    if (out.has(word)) throw bad(`duplicate word ${JSON.stringify(word)}`)
    out.set(word, glosses)
  })
  return out
}

/** Lexicon text: sorted by word (so the same lexicon always gives the same bytes). */
export const formatLexicon = (lexicon: Lexicon, header: ReadonlyArray<string> = []): string => {
  const words = [...lexicon.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  return [...header.map((h) => `# ${h}`), ...words.map((w) => `${w}\t${lexicon.get(w)!.join(" ")}`)].join("\n") + "\n"
}

/**
 * Inflected forms missing from the lexicon are tried without a common plural or verb ending
 * (German -en/-er/-e/-n/-s, Spanish and French -es/-s), longest first; words under five letters
 * are left alone, where stripping mostly finds unrelated words.
 */
const SUFFIXES = ["en", "es", "er", "s", "n", "e"]

export const lookup = <A>(table: { get(word: string): A | undefined }, word: string): A | undefined => {
  const hit = table.get(word)
  if (hit !== undefined || word.length < 5) return hit
  for (const suffix of SUFFIXES) {
    if (!word.endsWith(suffix)) continue
    const stem = table.get(word.slice(0, -suffix.length))
    if (stem !== undefined) return stem
  }
  return undefined
}
