/**
 * `synonyms`: swap a small share of content words for a thesaurus synonym (LibreOffice MyThes),
 * in the text's own language. Label kept. Random swaps read badly (measured), so rates stay low,
 * only single-word synonyms of the word's first meaning without usage labels are used, and the
 * closest few synonyms (the thesauri list them first) are preferred.
 */
import { Effect } from "effect"
import type { Lang } from "../../../schemas/index.ts"
import type { Rng } from "../../runtime/rng.ts"
import { loadFunctionWords } from "../resources/load.ts"
import { checkMythes, loadThesaurus, MYTHES, type MythesLang, type Thesaurus } from "../../language/mythes.ts"
import { checkParams, itemRng, KEEP, OperatorError, type Operator, type RewriteInput, type RewriteOutput } from "./operator.ts"
import { tokenize } from "../../language/words.ts"
import { makeWords, matchCase, type Words } from "./text.ts"

const LANGS = Object.keys(MYTHES) as Array<MythesLang>
const RATES = ["0.1", "0.2", "0.3"] as const
const CLOSEST = 4

const isMythesLang = (l: Lang): l is MythesLang => (LANGS as ReadonlyArray<string>).includes(l)

/** Usable synonyms of a word: its first meaning, one word, no labels other than "main form". */
export const synonymsOf = (th: Thesaurus, word: string, lang: MythesLang): Array<string> => {
  const lower = word.toLowerCase()
  const meanings = th.meanings(word).length > 0 ? th.meanings(word) : th.meanings(lower)
  if (meanings.length === 0) return []
  const out: Array<string> = []
  for (const raw of meanings[0]) {
    const s = raw.replace(/\s*\(Hauptform\)/g, "").trim()
    if (/[()\s]/.test(s) || !/^\p{L}[\p{L}'-]*$/u.test(s) || s.toLowerCase() === lower) continue
    // WordNet lists Roman numerals as synonyms of number words ("three" ~ "iii").
    if (/^[ivxlcdm]+$/i.test(s) && !/^[ivxlcdm]+$/i.test(word)) continue
    // German: nouns are capitalised, so the capital must match or the part of speech differs.
    if (lang === "de" && (s[0] === s[0].toUpperCase()) !== (word[0] === word[0].toUpperCase())) continue
    if (!out.includes(s)) out.push(s)
  }
  return out.slice(0, CLOSEST)
}

export const swapOne = (input: RewriteInput, lang: MythesLang, rate: number, th: Thesaurus, words: Words, rng: Rng): RewriteOutput | null => {
  const toks = tokenize(input.text).map((t) => ({ ...t }))
  // Capitalised words outside German are mostly names or sentence starts: leave them.
  const slots = toks.flatMap((t, i) => {
    if (!t.word || !words.isContent(t.text, lang)) return []
    if (lang !== "de" && t.text[0] !== t.text[0].toLowerCase()) return []
    const syns = synonymsOf(th, t.text, lang)
    return syns.length > 0 ? [{ i, syns }] : []
  })
  if (slots.length === 0) return null
  const content = toks.filter((t) => t.word && words.isContent(t.text, lang)).length
  const k = Math.min(slots.length, Math.max(1, Math.round(rate * content)))
  for (const { i, syns } of rng.shuffle(slots).slice(0, k)) {
    toks[i].text = matchCase(toks[i].text, syns[rng.int(syns.length)])
  }
  return { text: toks.map((t) => t.text).join(""), lang: input.lang }
}

export const makeSynonyms = (): Operator => {
  const op: Operator = {
    name: "synonyms",
    choices: { rate: RATES },
    label: () => KEEP,
    canApply: (lang) => isMythesLang(lang),
    available: checkMythes("synonyms", LANGS),
    apply: (inputs, params, rng) =>
      Effect.gen(function* () {
        yield* checkParams(op, params)
        const words = makeWords(yield* loadFunctionWords.pipe(
          Effect.mapError((e) => new OperatorError({ operator: op.name, reason: e.message }))
        ))
        const out: Array<RewriteOutput | null> = []
        for (let i = 0; i < inputs.length; i++) {
          const lang = inputs[i].lang
          if (!isMythesLang(lang)) {
            out.push(null)
            continue
          }
          const th = yield* loadThesaurus(op.name, lang)
          out.push(swapOne(inputs[i], lang, Number(params.rate), th, words, itemRng(rng, i)))
        }
        return out
      })
  }
  return op
}
