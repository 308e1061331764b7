/**
 * Shared shape of the template operators (jailbreak-wrap, safe-frame, context-padding,
 * benign-lookalike): they write in the input's own language, for the languages that have a
 * template file, and fail `available` naming the template file that does not load.
 */
import { Effect } from "effect"
import type { Rng } from "../../runtime/rng.ts"
import { isTemplateLang, loadTemplates, TEMPLATE_LANGS, templateFile, type TemplateFile } from "../resources/templates.ts"
import {
  checkParams,
  itemRng,
  OperatorError,
  OperatorUnavailable,
  type LabelEffect,
  type Operator,
  type Params,
  type RewriteOutput
} from "./operator.ts"

export interface TemplateSpec {
  readonly name: string
  readonly choices: Readonly<Record<string, ReadonlyArray<string>>>
  readonly label: (params: Params) => LabelEffect
  /** The rewritten text, or null when the template set has nothing for these params. */
  readonly render: (t: TemplateFile, text: string, params: Params, rng: Rng) => string | null
}

export const makeTemplateOperator = (spec: TemplateSpec): Operator => {
  const op: Operator = {
    name: spec.name,
    choices: spec.choices,
    label: spec.label,
    canApply: (lang) => isTemplateLang(lang),
    available: Effect.forEach(TEMPLATE_LANGS, (lang) =>
      loadTemplates(lang).pipe(
        Effect.mapError((e) => new OperatorUnavailable({ operator: spec.name, missing: [templateFile(lang)], reason: e.message }))
      ), { discard: true }),
    apply: (inputs, params, rng) =>
      Effect.gen(function* () {
        yield* checkParams(op, params)
        const out: Array<RewriteOutput | null> = []
        for (let i = 0; i < inputs.length; i++) {
          const { text, lang } = inputs[i]
          if (!isTemplateLang(lang) || text.trim().length === 0) {
            out.push(null)
            continue
          }
          const t = yield* loadTemplates(lang).pipe(
            Effect.mapError((e) => new OperatorError({ operator: spec.name, reason: e.message }))
          )
          const r = spec.render(t, text, params, itemRng(rng, i))
          out.push(r === null ? null : { text: r, lang })
        }
        return out
      })
  }
  return op
}

/** Uniform pick (the Rng is the item's own stream). */
export const pickOne = <A>(xs: ReadonlyArray<A>, rng: Rng): A | null => (xs.length === 0 ? null : xs[rng.int(xs.length)])
