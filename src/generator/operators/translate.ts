/**
 * `translate`: machine translation with Apertium into another language (label kept).
 * German is neither a source nor a target: no Apertium pair exists (FreeDict covers German).
 */
import type { Lang } from "../../../schemas/index.ts"
import { isMtLang, route, type MtLang } from "../../language/apertium.ts"
import { makeMtOperator, routes } from "./machine-translation.ts"
import type { Operator, Params } from "./operator.ts"

const TARGETS = ["en", "fr", "es", "it", "pt"] as const satisfies ReadonlyArray<Lang & MtLang>

const chainFor = (src: Lang, params: Params): ReadonlyArray<MtLang> | null =>
  isMtLang(src) && isMtLang(params.target) ? route(src, params.target) : null

export const makeTranslate = (): Operator =>
  makeMtOperator({
    name: "translate",
    choices: { target: TARGETS },
    chainFor,
    chains: () => TARGETS.flatMap((s) => TARGETS.flatMap((t) => routes(route(s, t)))),
    outputLang: (_, params) => params.target as Lang
  })
