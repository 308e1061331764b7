/**
 * What `translate` and `back-translate` share: an operator that runs each input through an
 * Apertium chain chosen from the input's language and the params, one process chain per
 * source language. Label kept.
 */
import { Effect } from "effect"
import type { Lang } from "../../../schemas/index.ts"
import { byLang, checkChains, translateBatch, type MtLang } from "../../language/apertium.ts"
import { checkParams, KEEP, type Operator, type Params, type RewriteOutput } from "./operator.ts"

export interface MtOperatorSpec {
  readonly name: string
  readonly choices: Operator["choices"]
  /** The chain for an input in `src`, or null when it cannot be rewritten. */
  readonly chainFor: (src: Lang, params: Params) => ReadonlyArray<MtLang> | null
  /** Every chain the operator may run: what `available` checks is installed. */
  readonly chains: () => ReadonlyArray<ReadonlyArray<MtLang>>
  /** The language of a rewrite of a text in `src`. */
  readonly outputLang: (src: Lang, params: Params) => Lang
}

/** A chain that exists, as a one-element list (for flatMap); none when there is no route. */
export const routes = (chain: ReadonlyArray<MtLang> | null): Array<ReadonlyArray<MtLang>> => (chain ? [chain] : [])

export const makeMtOperator = (spec: MtOperatorSpec): Operator => {
  const op: Operator = {
    name: spec.name,
    choices: spec.choices,
    label: () => KEEP,
    canApply: (lang, params) => spec.chainFor(lang, params) !== null,
    available: Effect.suspend(() => checkChains(spec.name, spec.chains())),
    apply: (inputs, params) =>
      Effect.gen(function* () {
        yield* checkParams(op, params)
        const out: Array<RewriteOutput | null> = new Array(inputs.length).fill(null)
        for (const [src, positions] of byLang(inputs.map((x) => x.lang))) {
          const chain = spec.chainFor(src, params)
          if (!chain) continue
          const lang = spec.outputLang(src, params)
          const got = yield* translateBatch(op.name, positions.map((i) => inputs[i].text), chain)
          got.forEach((t, k) => {
            if (t) out[positions[k]] = { text: t.text, lang, untranslated: t.untranslated }
          })
        }
        return out
      })
  }
  return op
}
