/**
 * `obfuscate`: surface noise that people use to slip past keyword filters — leetspeak,
 * homoglyphs (Cyrillic look-alikes of Latin letters), letters spaced apart, elongated vowels,
 * random casing — on a share of the content words. Meaning and label are kept.
 */
import { Effect } from "effect"
import { SWAPS } from "../../language/lookalikes.ts"
import type { Rng } from "../../runtime/rng.ts"
import { loadFunctionWords } from "../resources/load.ts"
import { checkParams, itemRng, KEEP, OperatorError, type Operator, type RewriteInput, type RewriteOutput } from "./operator.ts"
import { tokenize } from "../../language/words.ts"
import { makeWords, type Words } from "./text.ts"

export const STYLES = ["leet", "homoglyph", "spacing", "elongation", "casing"] as const
type Style = (typeof STYLES)[number]
const INTENSITY: Readonly<Record<string, number>> = { low: 0.15, high: 0.5 }

const LEET: Readonly<Record<string, string>> = { a: "4", e: "3", i: "1", o: "0", s: "5", t: "7", l: "1", g: "9", b: "8" }
/** The letters swapped for their Cyrillic twin (the first look-alike of each). */
const HOMOGLYPH: Readonly<Record<string, string>> = Object.fromEntries([..."aceopxyisjABCEHKMOPTX"].map((l) => [l, SWAPS[l][0]]))
const VOWELS = /[aeiouyàâäéèêëîïôöùûüáíóúAEIOUY]/

/** Obfuscate one word; returns the word unchanged when the style has nothing to act on. */
export const obfuscateWord = (w: string, style: Style, rng: Rng): string => {
  const chars = [...w]
  switch (style) {
    case "leet":
    case "homoglyph": {
      const table = style === "leet" ? LEET : HOMOGLYPH
      const key = (c: string) => (style === "leet" ? c.toLowerCase() : c)
      const slots = chars.flatMap((c, i) => (table[key(c)] ? [i] : []))
      if (slots.length === 0) return w
      // Every mappable letter for leetspeak half the time, else one to all at random.
      const n = rng.next() < 0.5 ? slots.length : 1 + rng.int(slots.length)
      for (const i of rng.shuffle([...slots]).slice(0, n)) chars[i] = table[key(chars[i])]
      return chars.join("")
    }
    case "spacing": {
      const sep = [" ", ".", "-"][rng.int(3)]
      return chars.join(sep)
    }
    case "elongation": {
      const vowels = chars.flatMap((c, i) => (VOWELS.test(c) ? [i] : []))
      const i = vowels.length > 0 ? vowels[rng.int(vowels.length)] : chars.length - 1
      chars[i] = chars[i].repeat(3 + rng.int(3))
      return chars.join("")
    }
    case "casing": {
      if (rng.next() < 0.3) return w.toUpperCase() === w ? w.toLowerCase() : w.toUpperCase()
      const out = chars.map((c, i) => (i % 2 === 0 ? c.toLowerCase() : c.toUpperCase())).join("")
      return out === w ? chars.map((c, i) => (i % 2 === 0 ? c.toUpperCase() : c.toLowerCase())).join("") : out
    }
  }
}

export const obfuscateOne = (input: RewriteInput, style: Style, rate: number, words: Words, rng: Rng): RewriteOutput | null => {
  const toks = tokenize(input.text).map((t) => ({ ...t }))
  const content = toks.flatMap((t, i) => (t.word && words.isContent(t.text, input.lang) ? [i] : []))
  const candidates = content.length > 0 ? content : toks.flatMap((t, i) => (t.word ? [i] : []))
  if (candidates.length === 0) return null
  const k = Math.max(1, Math.round(rate * candidates.length))
  let changed = 0
  for (const i of rng.shuffle([...candidates])) {
    if (changed >= k) break
    const next = obfuscateWord(toks[i].text, style, rng)
    if (next !== toks[i].text) {
      toks[i].text = next
      changed++
    }
  }
  return changed === 0 ? null : { text: toks.map((t) => t.text).join(""), lang: input.lang }
}

export const makeObfuscate = (): Operator => {
  const op: Operator = {
    name: "obfuscate",
    choices: { style: STYLES, intensity: ["low", "high"] },
    label: () => KEEP,
    canApply: () => true,
    available: Effect.void,
    apply: (inputs, params, rng) =>
      Effect.gen(function* () {
        yield* checkParams(op, params)
        const words = makeWords(yield* loadFunctionWords.pipe(
          Effect.mapError((e) => new OperatorError({ operator: op.name, reason: e.message }))
        ))
        return inputs.map((input, i) =>
          obfuscateOne(input, params.style as Style, INTENSITY[params.intensity], words, itemRng(rng, i))
        )
      })
  }
  return op
}
