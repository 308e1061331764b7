/**
 * `translate`: machine translation with Apertium into another language (label kept).
 * German is neither a source nor a target: no Apertium pair exists (FreeDict covers German).
 */
import { Effect } from "effect"
import type { Lang } from "../../../schemas/index.ts"
import { byLang, checkChains, isMtLang, route, translateBatch, type MtLang } from "../../language/apertium.ts"
import { checkParams, KEEP, type Operator, type Params, type RewriteOutput } from "./operator.ts"

const TARGETS = ["en", "fr", "es", "it", "pt"] as const satisfies ReadonlyArray<Lang & MtLang>

const chainFor = (src: Lang, params: Params): ReadonlyArray<MtLang> | null =>
  isMtLang(src) && isMtLang(params.target) ? route(src, params.target) : null

export const makeTranslate = (): Operator => {
  const op: Operator = {
    name: "translate",
    choices: { target: TARGETS },
    label: () => KEEP,
    canApply: (lang, params) => chainFor(lang, params) !== null,
    available: Effect.suspend(() => {
      const chains: Array<ReadonlyArray<MtLang>> = []
      for (const s of TARGETS) for (const t of TARGETS) {
        const c = route(s, t)
        if (c) chains.push(c)
      }
      return checkChains("translate", chains)
    }),
    apply: (inputs, params) =>
      Effect.gen(function* () {
        yield* checkParams(op, params)
        const out: Array<RewriteOutput | null> = new Array(inputs.length).fill(null)
        const target = params.target as Lang
        for (const [src, positions] of byLang(inputs.map((x) => x.lang))) {
          const chain = chainFor(src, params)
          if (!chain) continue
          const got = yield* translateBatch(op.name, positions.map((i) => inputs[i].text), chain)
          got.forEach((t, k) => {
            if (t) out[positions[k]] = { text: t.text, lang: target, untranslated: t.untranslated }
          })
        }
        return out
      })
  }
  return op
}
