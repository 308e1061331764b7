/**
 * `back-translate`: a round trip through a pivot language with Apertium (en→es→en, fr→ca→fr…),
 * which paraphrases the text in its own language. Label kept.
 */
import type { Lang } from "../../../schemas/index.ts"
import { isMtLang, route, type MtLang } from "../../language/apertium.ts"
import { makeMtOperator, routes } from "./machine-translation.ts"
import type { Operator, Params } from "./operator.ts"

const PIVOTS = ["es", "ca", "fr"] as const satisfies ReadonlyArray<MtLang>
const SOURCES = ["en", "fr", "es", "it", "pt"] as const satisfies ReadonlyArray<MtLang>

const chainFor = (src: Lang, params: Params): ReadonlyArray<MtLang> | null => {
  const pivot = params.pivot
  if (!isMtLang(src) || !isMtLang(pivot)) return null
  const there = route(src, pivot)
  const back = route(pivot, src)
  return there && back ? [...there, ...back.slice(1)] : null
}

export const makeBackTranslate = (): Operator =>
  makeMtOperator({
    name: "back-translate",
    choices: { pivot: PIVOTS },
    chainFor,
    chains: () => SOURCES.flatMap((s) => PIVOTS.flatMap((pivot) => routes(chainFor(s, { pivot })))),
    outputLang: (src) => src
  })
