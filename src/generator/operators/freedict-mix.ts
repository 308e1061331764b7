/**
 * `freedict-mix`: word-level translation of English text with FreeDict, from code-mixing (a
 * share of the content words swapped) to word-by-word translation (rate 1: every content word,
 * plus function words from a small hand-written table). The only route into German here.
 * Label kept. The output's language is the target when most of its words were translated,
 * else English (a lightly mixed text is still English to a reader).
 */
import { Effect } from "effect"
import { loadFunctionWords } from "../resources/load.ts"
import { checkFreedict, englishLemmas, loadLexicon, type FreedictLang, type Lexicon, type Pos, type Translation } from "../../language/freedict.ts"
import { checkParams, itemRng, KEEP, OperatorError, type Operator, type RewriteInput, type RewriteOutput } from "./operator.ts"
import type { Rng } from "../../runtime/rng.ts"
import { tokenize } from "../../language/words.ts"
import { makeWords, matchCase, type Words } from "./text.ts"

const TARGETS = ["de", "fr", "es", "it"] as const satisfies ReadonlyArray<FreedictLang>
const RATES = ["0.3", "0.6", "1.0"] as const

const lookup = (lex: Lexicon, word: string): ReadonlyArray<Translation> | undefined => {
  const w = word.toLowerCase()
  const direct = lex.get(w)
  if (direct) return direct
  for (const lemma of englishLemmas(w)) {
    const hit = lex.get(lemma)
    if (hit) return hit
  }
  return undefined
}

// Words after which English puts a verb ("to steal", "can hack") or a noun ("the process").
const BEFORE_VERB = new Set(["to", "can", "could", "will", "would", "should", "must", "may", "might", "i", "you", "we", "they", "please", "not", "don't", "never"])
const BEFORE_NOUN = new Set([
  "a", "an", "the", "my", "your", "his", "her", "its", "our", "their", "this", "that", "these", "those", "of", "some", "any",
  "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "many", "few", "several", "more", "most"
])

/** Part of speech the context asks for: a sentence-initial word is an imperative (instructions). */
export const expectedPos = (previousWord: string | undefined): Pos => {
  if (previousWord === undefined) return "v"
  const p = previousWord.toLowerCase()
  return BEFORE_VERB.has(p) ? "v" : BEFORE_NOUN.has(p) ? "n" : ""
}

/**
 * The best translation of the expected part of speech when there is one, else the best overall;
 * sometimes the runner-up, for variety across proposals.
 */
const pick = (cands: ReadonlyArray<Translation>, pos: Pos, rng: Rng): string => {
  const fitting = pos === "" ? cands : cands.filter((c) => c.pos === pos)
  const pool = fitting.length > 0 ? fitting : cands
  return (pool.length > 1 && rng.next() < 0.2 ? pool[1] : pool[0]).text
}

/** Rewrite one text; null when nothing could be translated. Exported for tests. */
export const mixOne = (
  input: RewriteInput,
  target: FreedictLang,
  rate: number,
  lex: Lexicon,
  words: Words,
  rng: Rng
): RewriteOutput | null => {
  const toks = tokenize(input.text).map((t) => ({ ...t }))
  const wordIdx = toks.flatMap((t, i) => (t.word ? [i] : []))
  if (wordIdx.length === 0) return null
  const content = wordIdx.filter((i) => words.isContent(toks[i].text, "en"))
  const full = rate >= 1
  const chosen = new Set(
    full ? content : rng.shuffle([...content]).slice(0, Math.max(1, Math.round(rate * content.length)))
  )
  const translated = new Set<number>()
  let missing = 0
  let previous: string | undefined
  const prevWordOf = new Map<number, string | undefined>()
  for (const i of wordIdx) {
    // A sentence boundary between two words resets the context.
    if (previous !== undefined && /[.!?:\n]/.test(toks[i - 1]?.text ?? "")) previous = undefined
    prevWordOf.set(i, previous)
    previous = toks[i].text
  }
  for (const i of wordIdx) {
    if (translated.has(i)) continue
    const pos = expectedPos(prevWordOf.get(i))
    if (chosen.has(i)) {
      // A two-word dictionary term ("credit card") wins over its words.
      const next = i + 2
      if (next < toks.length && toks[i + 1].text === " " && toks[next].word) {
        const pair = lex.get(`${toks[i].text} ${toks[next].text}`.toLowerCase())
        if (pair) {
          toks[i].text = matchCase(toks[i].text, pick(pair, pos, rng))
          toks[next].text = ""
          toks[i + 1].text = ""
          translated.add(i).add(next)
          continue
        }
      }
      const cands = lookup(lex, toks[i].text)
      if (!cands) {
        missing++
        continue
      }
      toks[i].text = matchCase(toks[i].text, pick(cands, pos, rng))
      translated.add(i)
    } else if (full && !words.isContent(toks[i].text, "en")) {
      // "" drops English do-support ("How do I …" → "Wie ich …").
      const fw = words.fromEnglish(toks[i].text, target)
      if (fw !== undefined) {
        toks[i].text = toks[i].text === "I" ? fw : matchCase(toks[i].text, fw)
        translated.add(i)
      }
    }
  }
  if (translated.size === 0) return null
  return {
    text: toks.map((t) => t.text).join("").replace(/ {2,}/g, " ").replace(/^ | $/g, ""),
    lang: translated.size / wordIdx.length >= 0.5 ? target : input.lang,
    untranslated: chosen.size === 0 ? 0 : missing / chosen.size,
    ...(full ? {} : { codeMixed: true })
  }
}

export const makeFreedictMix = (opts: { readonly cacheDir?: string } = {}): Operator => {
  const op: Operator = {
    name: "freedict-mix",
    choices: { target: TARGETS, rate: RATES },
    label: () => KEEP,
    canApply: (lang, params) => lang === "en" && (TARGETS as ReadonlyArray<string>).includes(params.target),
    available: checkFreedict("freedict-mix", TARGETS),
    apply: (inputs, params, rng) =>
      Effect.gen(function* () {
        yield* checkParams(op, params)
        const target = params.target as FreedictLang
        const words = makeWords(yield* loadFunctionWords.pipe(
          Effect.mapError((e) => new OperatorError({ operator: op.name, reason: e.message }))
        ))
        const lex = yield* loadLexicon(op.name, target, opts.cacheDir).pipe(
          Effect.mapError((e) =>
            e._tag === "OperatorUnavailable" ? new OperatorError({ operator: op.name, reason: e.message }) : e
          )
        )
        return inputs.map((input, i) =>
          input.lang === "en" ? mixOne(input, target, Number(params.rate), lex, words, itemRng(rng, i)) : null
        )
      })
  }
  return op
}
