/**
 * Proposals: the generator's rewrites of seed examples. Sampling actions from the policy,
 * running the programs through the operators (batched per operator and params), and labelling
 * each rewrite from the seed's label and the operators' label effects.
 */
import * as tf from "@tensorflow/tfjs"
import { Effect, Schema } from "effect"
import { CategoryId, type Example, type Lang } from "../../schemas/index.ts"
import { columnsOf } from "../data/parquet.ts"
import { applyGrouped, applyLabels, OperatorError, type Registry, type RewriteRequest } from "./operators/index.ts"
import type { Policy } from "./policy.ts"
import { SEED_FEATURE_DIM, seedFeatureMatrix } from "./seed-features.ts"
import type { Rng } from "../runtime/rng.ts"
import { programSpace, type ProgramSpace } from "./programs.ts"

/** A row of iter-t/proposals.parquet. */
export const ProposalRow = Schema.Struct({
  id: Schema.String,
  seed_id: Schema.String,
  iteration: Schema.Int,
  /** Index of this proposal among its seed's proposals. */
  k: Schema.Int,
  a_target: Schema.Int,
  a_route: Schema.Int,
  a_frame: Schema.Int,
  a_surface: Schema.Int,
  /** "de ← freedict:1.0 | jailbreak:roleplay | obfuscate:leet/low" (programs.ts) */
  program: Schema.String,
  seed_lang: Schema.String,
  lang: Schema.String,
  /** null when an operator could not rewrite the text. */
  text: Schema.NullOr(Schema.String),
  unsafe: Schema.Boolean,
  categories: Schema.Array(CategoryId),
  untranslated: Schema.NullOr(Schema.Number),
  code_mixed: Schema.Boolean,
  /** "ok", or "failed:<operator>" */
  status: Schema.String
})
export type ProposalRow = typeof ProposalRow.Type

export const PROPOSAL_COLUMNS = columnsOf(ProposalRow)

const BASE_SPACE = programSpace({ llm: false })

export const actionOf = (p: ProposalRow): Array<number> => [p.a_target, p.a_route, p.a_frame, p.a_surface]

/** Sample `perSeed` actions for each seed (rows seed-major: seed i's k-th action at i·perSeed + k). */
export const sampleActions = (
  policy: Policy,
  registry: Registry,
  seeds: ReadonlyArray<Example>,
  perSeed: number,
  temperature: number,
  rng: Rng,
  available: ReadonlySet<string>,
  space: ProgramSpace = BASE_SPACE
): Array<Array<number>> => {
  const repeated = seeds.flatMap((s) => Array.from({ length: perSeed }, () => s))
  const mask = space.feasibility(registry, repeated.map((s) => s.lang), available)
  const x = tf.tensor2d(seedFeatureMatrix(repeated), [repeated.length, SEED_FEATURE_DIM])
  try {
    return policy.sample(x, rng, temperature, mask)
  } finally {
    x.dispose()
  }
}

/** Run the programs of `actions` on their seeds; one ProposalRow per action. */
export const runPrograms = (
  registry: Registry,
  seeds: ReadonlyArray<Example>,
  actions: ReadonlyArray<ReadonlyArray<number>>,
  perSeed: number,
  iteration: number,
  rng: Rng,
  space: ProgramSpace = BASE_SPACE
): Effect.Effect<Array<ProposalRow>, OperatorError> =>
  Effect.gen(function* () {
    const programs = actions.map(space.decodeAction)
    const seedOf = (i: number) => seeds[Math.floor(i / perSeed)]
    const text: Array<string | null> = actions.map((_, i) => seedOf(i).text)
    const lang: Array<Lang> = actions.map((_, i) => seedOf(i).lang)
    const untranslated: Array<number | null> = actions.map(() => null)
    const codeMixed: Array<boolean> = actions.map(() => false)
    const status: Array<string> = actions.map(() => "ok")
    // Step s of every program in one grouped call: operator start-up is paid once per group.
    for (let s = 0; s < 3; s++) {
      const live = programs.map((p, i) => (text[i] !== null && p.steps[s] ? i : -1)).filter((i) => i >= 0)
      if (live.length === 0) break
      const requests: Array<RewriteRequest> = live.map((i) => ({
        operator: programs[i].steps[s].operator,
        params: programs[i].steps[s].params,
        input: { text: text[i]!, lang: lang[i] }
      }))
      const out = yield* applyGrouped(registry, requests, rng.child(`step:${s}`))
      live.forEach((i, j) => {
        const o = out[j]
        if (o === null) {
          text[i] = null
          status[i] = `failed:${programs[i].steps[s].operator}`
          return
        }
        text[i] = o.text
        lang[i] = o.lang
        if (o.untranslated !== undefined) untranslated[i] = Math.max(untranslated[i] ?? 0, o.untranslated)
        if (o.codeMixed) codeMixed[i] = true
      })
    }
    return actions.map((a, i) => {
      const seed = seedOf(i)
      const k = i % perSeed
      const effects = programs[i].steps.map((st) => registry.get(st.operator)!.label(st.params))
      const label = applyLabels(effects, { unsafe: seed.unsafe, categories: seed.categories })
      return {
        id: `${seed.id}.t${iteration}.k${k}`,
        seed_id: seed.id,
        iteration,
        k,
        a_target: a[0],
        a_route: a[1],
        a_frame: a[2],
        a_surface: a[3],
        program: programs[i].name,
        seed_lang: seed.lang,
        lang: lang[i],
        text: text[i],
        unsafe: label.unsafe,
        categories: label.categories,
        untranslated: untranslated[i],
        code_mixed: codeMixed[i],
        status: status[i]
      }
    })
  })
