/**
 * A rewrite operator turns a batch of texts into rewritten texts. Operators are the steps of the
 * generator's programs: the policy does not pick operators, it picks a program (programs.ts:
 * target language, route, frame, surface, one head each), and every choice there is one operator
 * with fixed params. An operator declares its params (`choices`), how they change the seed's
 * label, which languages it can take and produce, and whether the machine has what it needs
 * (`available`).
 */
import { Effect } from "effect"
import type { CategoryId, Lang } from "../../../schemas/index.ts"
import { OperatorError, type OperatorUnavailable } from "../../language/errors.ts"
import type { Rng } from "../../runtime/rng.ts"

export { OperatorError, OperatorUnavailable } from "../../language/errors.ts"

/** One value per param, e.g. `{ target: "fr" }`. Every key of `choices` must be present. */
export type Params = Readonly<Record<string, string>>

export interface RewriteInput {
  readonly text: string
  readonly lang: Lang
}

export interface RewriteOutput {
  readonly text: string
  readonly lang: Lang
  /**
   * Share of word tokens the operator could not translate (machine translation and
   * dictionary substitution only); the untranslated-token gate reads it.
   */
  readonly untranslated?: number
  /**
   * Deliberately mixes languages (dictionary code-mixing): `lang` is the dominant language,
   * and the language-ID and spelling gates cannot judge such a text.
   */
  readonly codeMixed?: boolean
}

/**
 * How an operator changes the seed's label.
 * - keep: same label and categories (paraphrase, translation, obfuscation, padding)
 * - safe: the result is safe whatever the seed was (counter-speech, quotation, benign look-alike)
 * - unsafe: the result is unsafe; the seed's categories are kept and `add` joins them
 *   (a jailbreak wrapper adds C12 to whatever the inner request asked for)
 */
export type LabelEffect =
  | { readonly kind: "keep" }
  | { readonly kind: "safe" }
  | { readonly kind: "unsafe"; readonly add: ReadonlyArray<CategoryId> }

export const KEEP: LabelEffect = { kind: "keep" }
export const SAFE: LabelEffect = { kind: "safe" }

export interface Label {
  readonly unsafe: boolean
  readonly categories: ReadonlyArray<CategoryId>
}

/** The label of a rewrite, given the seed's label. Categories stay sorted C1..C12 and unique. */
export const applyLabel = (effect: LabelEffect, seed: Label): Label => {
  switch (effect.kind) {
    case "keep":
      return { unsafe: seed.unsafe, categories: [...seed.categories] }
    case "safe":
      return { unsafe: false, categories: [] }
    case "unsafe": {
      const all = new Set<CategoryId>([...seed.categories, ...effect.add])
      const categories = [...all].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))
      return { unsafe: true, categories }
    }
  }
}

/** The label of a program (≤ 3 operators applied in order). */
export const applyLabels = (effects: ReadonlyArray<LabelEffect>, seed: Label): Label =>
  effects.reduce((label, e) => applyLabel(e, label), seed)

export interface Operator {
  /** Stable name: program steps (programs.ts), manifests and the availability report use it. */
  readonly name: string
  /** Params and their allowed values (`checkParams`); a program step fixes one of each. */
  readonly choices: Readonly<Record<string, ReadonlyArray<string>>>
  /** Label change implied by these params (never depends on the text). */
  readonly label: (params: Params) => LabelEffect
  /**
   * Whether an input in `lang` can be rewritten with these params (for the policy's masks):
   * a structural property (a language pair exists), not whether packages are installed.
   */
  readonly canApply: (lang: Lang, params: Params) => boolean
  /** Fails with OperatorUnavailable naming the missing Debian package / resource and why. */
  readonly available: Effect.Effect<void, OperatorUnavailable>
  /**
   * Batch apply: one output (or null = could not rewrite this one) per input, in order.
   * Output i depends only on input i, params and `rng` (each item gets `rng.child(i)`), so the
   * same inputs, params and seed give the same outputs.
   */
  readonly apply: (
    inputs: ReadonlyArray<RewriteInput>,
    params: Params,
    rng: Rng
  ) => Effect.Effect<ReadonlyArray<RewriteOutput | null>, OperatorError>
}

/** Check that params name exactly the operator's params, with allowed values. */
export const checkParams = (op: Pick<Operator, "name" | "choices">, params: Params): Effect.Effect<void, OperatorError> => {
  for (const [key, values] of Object.entries(op.choices)) {
    const v = params[key]
    if (v === undefined) {
      return Effect.fail(new OperatorError({ operator: op.name, reason: `missing param "${key}" (one of ${values.join(", ")})` }))
    }
    if (!values.includes(v)) {
      return Effect.fail(new OperatorError({ operator: op.name, reason: `param ${key}="${v}" is not one of ${values.join(", ")}` }))
    }
  }
  for (const key of Object.keys(params)) {
    if (!(key in op.choices)) {
      return Effect.fail(new OperatorError({ operator: op.name, reason: `unknown param "${key}" (known: ${Object.keys(op.choices).join(", ") || "none"})` }))
    }
  }
  return Effect.void
}

/** The per-item random stream: depends on the batch rng and the item's position only. */
export const itemRng = (rng: Rng, index: number): Rng => rng.child(`item:${index}`)
