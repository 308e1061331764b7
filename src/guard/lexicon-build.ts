/**
 * Build the cross-lingual lexicon (lexicon.ts) from the seed and the installed dictionaries:
 *
 *  - Spanish and French: the words that occur in the seed's Spanish/French training rows and in
 *    Apertium translations of English training rows into those languages (so inflected forms of
 *    request vocabulary are covered), each translated back to English word by word with
 *    Apertium (es→en; fr→es→en, else fr→ca→en). Words Apertium marks unknown are dropped.
 *  - German (no Apertium pair exists): FreeDict eng-deu, inverted; a German word keeps the two
 *    English headwords most frequent in the seed.
 *
 * Only glosses that are single words seen in the seed's English training rows are kept (a gloss
 * the guard never saw in English teaches it nothing), and a key that is itself a common English
 * word is dropped (German "die" must not add "the" to every English text about dying).
 * Training rows only: validation rows and benchmarks never reach it.
 */
import { Effect } from "effect"
import type { Example } from "../../schemas/example.ts"
import { route, translateBatch, type MtLang } from "../language/apertium.ts"
import { loadLexicon as loadFreedict } from "../language/freedict.ts"
import type { OperatorError, OperatorUnavailable } from "../language/errors.ts"
import { hash32 } from "../runtime/rng.ts"
import { canonicalWords as tokens } from "./features.ts"
import { MAX_GLOSSES, type Lexicon } from "./lexicon.ts"

const isWord = (w: string) => /^\p{L}{2,}$/u.test(w)
/** A gloss must occur this often in the English training rows for the guard to have learned it. */
const MIN_GLOSS_COUNT = 3
/** A foreign key this frequent as an English word is left out (it would fire on English text). */
const COMMON_ENGLISH_COUNT = 5
const seenInEnglish = (english: ReadonlyMap<string, number>, w: string) => (english.get(w) ?? 0) >= MIN_GLOSS_COUNT
const commonInEnglish = (english: ReadonlyMap<string, number>, w: string) => (english.get(w) ?? 0) >= COMMON_ENGLISH_COUNT

/** Tweet corpora: plentiful and repetitive, so one row in ten is enough for vocabulary. */
const TWEET_SOURCES = new Set(["davidson", "founta", "kennedy", "olid", "mlma"])

export interface LexiconStats {
  readonly translatedRows: number
  /** Words glossed, per language (a word found in several languages counts in each). */
  readonly keys: Readonly<Record<string, number>>
}

/** English word counts of the training rows. */
export const englishCounts = (rows: ReadonlyArray<Example>): Map<string, number> => {
  const counts = new Map<string, number>()
  for (const r of rows) if (r.lang === "en") for (const w of tokens(r.text)) counts.set(w, (counts.get(w) ?? 0) + 1)
  return counts
}

/**
 * Invert an English → foreign dictionary: foreign word → up to `keep` English words, the most
 * frequent in `english` first. Multi-word entries on either side, unseen English words and
 * foreign words that are common English words are skipped.
 */
export const invertDictionary = (
  dictionary: ReadonlyMap<string, ReadonlyArray<{ readonly text: string }>>,
  english: ReadonlyMap<string, number>,
  keep = 2
): Map<string, Array<string>> => {
  const candidates = new Map<string, Set<string>>()
  for (const [en, translations] of dictionary) {
    if (en.includes(" ") || !seenInEnglish(english, en)) continue
    for (const t of translations) {
      const words = tokens(t.text)
      if (words.length !== 1 || !isWord(words[0]) || words[0] === en || commonInEnglish(english, words[0])) continue
      let s = candidates.get(words[0])
      if (!s) candidates.set(words[0], (s = new Set()))
      s.add(en)
    }
  }
  const out = new Map<string, Array<string>>()
  for (const [foreign, ens] of candidates) {
    out.set(foreign, [...ens].sort((a, b) => (english.get(b) ?? 0) - (english.get(a) ?? 0) || (a < b ? -1 : 1)).slice(0, keep))
  }
  return out
}

/** The English gloss of one word-by-word translation, or null when it is unusable. */
export const glossOf = (word: string, translated: { readonly text: string; readonly untranslated: number } | null, english: ReadonlyMap<string, number>): string | null => {
  if (translated === null || translated.untranslated > 0) return null
  const g = tokens(translated.text).filter(isWord)
  return g.length === 1 && g[0] !== word && seenInEnglish(english, g[0]) ? g[0] : null
}

export const buildLexicon = (
  rows: ReadonlyArray<Example>,
  onStep: (message: string) => Effect.Effect<void> = () => Effect.void
): Effect.Effect<{ lexicon: Lexicon; stats: LexiconStats }, OperatorError | OperatorUnavailable> =>
  Effect.gen(function* () {
    const train = rows.filter((r) => r.split === "train")
    const english = englishCounts(train)
    const toTranslate = train
      .filter((r) => r.lang === "en" && r.text.length <= 400)
      .filter((r) => !TWEET_SOURCES.has(r.source) || hash32(r.id) % 10 === 0)
      .map((r) => r.text)
    const lexicon = new Map<string, Array<string>>()
    const add = (word: string, gloss: string) => {
      let gs = lexicon.get(word)
      if (!gs) lexicon.set(word, (gs = []))
      if (gs.length < MAX_GLOSSES && !gs.includes(gloss)) gs.push(gloss)
    }
    const keys: Record<string, number> = {}

    const apertiumSide = (lang: MtLang, back: ReadonlyArray<ReadonlyArray<MtLang>>) =>
      Effect.gen(function* () {
        yield* onStep(`${lang}: translating ${toTranslate.length} English rows for vocabulary`)
        const translated = yield* translateBatch("build-lexicon", toTranslate, route("en", lang)!)
        const counts = new Map<string, number>()
        const count = (text: string) => {
          for (const w of tokens(text)) if (isWord(w)) counts.set(w, (counts.get(w) ?? 0) + 1)
        }
        for (const t of translated) if (t !== null) count(t.text)
        for (const r of train) if (r.lang === lang) count(r.text)
        const words = [...counts].filter(([w, c]) => c >= 2 && !commonInEnglish(english, w)).map(([w]) => w).sort()
        const glosses: Array<string | null> = new Array(words.length).fill(null)
        for (const chain of back) {
          const todo = words.flatMap((_, i) => (glosses[i] === null ? [i] : []))
          yield* onStep(`${lang}: glossing ${todo.length} words via ${chain.join("→")}`)
          const got = yield* translateBatch("build-lexicon", todo.map((i) => words[i]), chain)
          todo.forEach((i, k) => (glosses[i] = glossOf(words[i], got[k], english)))
        }
        let n = 0
        words.forEach((w, i) => {
          const g = glosses[i]
          if (g !== null) (add(w, g), n++)
        })
        keys[lang] = n
      })

    yield* apertiumSide("es", [["es", "en"]])
    yield* apertiumSide("fr", [["fr", "es", "en"], ["fr", "ca", "en"]])
    yield* onStep("de: inverting FreeDict eng-deu")
    const german = invertDictionary(yield* loadFreedict("build-lexicon", "de"), english)
    for (const [w, gs] of german) for (const g of gs) add(w, g)
    keys.de = german.size
    return {
      lexicon,
      stats: { translatedRows: toTranslate.length, keys }
    }
  })
