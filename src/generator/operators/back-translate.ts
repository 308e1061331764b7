/**
 * `back-translate`: a round trip through a pivot language with Apertium (en→es→en, fr→ca→fr…),
 * which paraphrases the text in its own language. Label kept.
 */
import { Effect } from "effect"
import type { Lang } from "../../../schemas/index.ts"
import { byLang, checkChains, isMtLang, route, translateBatch, type MtLang } from "../../language/apertium.ts"
import { checkParams, KEEP, type Operator, type Params, type RewriteOutput } from "./operator.ts"

const PIVOTS = ["es", "ca", "fr"] as const satisfies ReadonlyArray<MtLang>
const SOURCES = ["en", "fr", "es", "it", "pt"] as const satisfies ReadonlyArray<MtLang>

const chainFor = (src: Lang, params: Params): ReadonlyArray<MtLang> | null => {
  const pivot = params.pivot
  if (!isMtLang(src) || !isMtLang(pivot)) return null
  const there = route(src, pivot)
  const back = route(pivot, src)
  return there && back ? [...there, ...back.slice(1)] : null
}

export const makeBackTranslate = (): Operator => {
  const op: Operator = {
    name: "back-translate",
    choices: { pivot: PIVOTS },
    label: () => KEEP,
    canApply: (lang, params) => chainFor(lang, params) !== null,
    available: Effect.suspend(() => {
      const chains: Array<ReadonlyArray<MtLang>> = []
      for (const s of SOURCES) for (const pivot of PIVOTS) {
        const c = chainFor(s, { pivot })
        if (c) chains.push(c)
      }
      return checkChains("back-translate", chains)
    }),
    apply: (inputs, params) =>
      Effect.gen(function* () {
        yield* checkParams(op, params)
        const out: Array<RewriteOutput | null> = new Array(inputs.length).fill(null)
        for (const [src, positions] of byLang(inputs.map((x) => x.lang))) {
          const chain = chainFor(src, params)
          if (!chain) continue
          const got = yield* translateBatch(op.name, positions.map((i) => inputs[i].text), chain)
          got.forEach((t, k) => {
            if (t) out[positions[k]] = { text: t.text, lang: src, untranslated: t.untranslated }
          })
        }
        return out
      })
  }
  return op
}
