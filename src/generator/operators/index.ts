/**
 * The registry of rewrite operators: their fixed order, a
 * per-operator availability report, and batched application of many (operator, params, text)
 * requests with one call per distinct (operator, params).
 */
import { FetchHttpClient } from "@effect/platform"
import { Effect, type Scope } from "effect"
import type { Rng } from "../../runtime/rng.ts"
import { makeBackTranslate } from "./back-translate.ts"
import { makeBenignLookalike } from "./benign-lookalike.ts"
import { makeContextPadding } from "./context-padding.ts"
import { makeFreedictMix } from "./freedict-mix.ts"
import { makeJailbreakWrap } from "./jailbreak-wrap.ts"
import { LLM_DEFAULTS, makeLlmRewrite, type LlmConfig } from "./llm-rewrite.ts"
import { makeObfuscate } from "./obfuscate.ts"
import { OperatorError, type Operator, type OperatorUnavailable, type Params, type RewriteInput, type RewriteOutput } from "./operator.ts"
import { makeSafeFrame } from "./safe-frame.ts"
import { makeSynonyms } from "./synonyms.ts"
import { makeTranslate } from "./translate.ts"

export * from "./operator.ts"
export { LlmConfig, LLM_DEFAULTS } from "./llm-rewrite.ts"

/** Every operator, in the fixed order of the registry and its availability report. */
export const OPERATOR_NAMES = [
  "translate",
  "back-translate",
  "freedict-mix",
  "synonyms",
  "obfuscate",
  "jailbreak-wrap",
  "safe-frame",
  "context-padding",
  "benign-lookalike",
  "llm-rewrite"
] as const
export type OperatorName = (typeof OPERATOR_NAMES)[number]

export interface OperatorsConfig {
  /** Folder for parsed dictionary caches (default: `.cache/` at the repo root). */
  readonly cacheDir?: string
  /** OpenAI-compatible endpoint for llm-rewrite; without `url` that operator is unavailable. */
  readonly llm?: Partial<LlmConfig>
}

export interface Registry {
  /** All operators, in OPERATOR_NAMES order. */
  readonly all: ReadonlyArray<Operator>
  readonly get: (name: string) => Operator | undefined
  /** Which operators can run on this machine; the others with the reason and what is missing. */
  readonly availability: Effect.Effect<ReadonlyArray<{ readonly name: string; readonly unavailable: OperatorUnavailable | null }>>
}

/** Build every operator. The Scope owns llm-rewrite's rate limiter. */
export const makeOperators = (config: OperatorsConfig = {}): Effect.Effect<Registry, never, Scope.Scope> =>
  Effect.gen(function* () {
    const llm = yield* makeLlmRewrite({ ...LLM_DEFAULTS, ...config.llm }).pipe(Effect.provide(FetchHttpClient.layer))
    const byName: Record<OperatorName, Operator> = {
      "translate": makeTranslate(),
      "back-translate": makeBackTranslate(),
      "freedict-mix": makeFreedictMix({ cacheDir: config.cacheDir }),
      "synonyms": makeSynonyms(),
      "obfuscate": makeObfuscate(),
      "jailbreak-wrap": makeJailbreakWrap(),
      "safe-frame": makeSafeFrame(),
      "context-padding": makeContextPadding(),
      "benign-lookalike": makeBenignLookalike(),
      "llm-rewrite": llm
    }
    const all = OPERATOR_NAMES.map((n) => byName[n])
    return {
      all,
      get: (name) => (name in byName ? byName[name as OperatorName] : undefined),
      availability: Effect.forEach(all, (op) =>
        op.available.pipe(
          Effect.as({ name: op.name, unavailable: null }),
          Effect.catchAll((e) => Effect.succeed({ name: op.name, unavailable: e }))
        ))
    }
  })

export interface RewriteRequest {
  readonly operator: string
  readonly params: Params
  readonly input: RewriteInput
}

const groupKey = (r: RewriteRequest) =>
  `${r.operator}|${Object.keys(r.params).sort().map((k) => `${k}=${r.params[k]}`).join(",")}`

/**
 * Apply many requests, one operator call per distinct (operator, params) so process start-up is
 * paid once per group. Each group draws from `rng.child(group key)`, so the outputs depend only
 * on the request list and the seed, not on the order groups run in.
 */
export const applyGrouped = (
  registry: Registry,
  requests: ReadonlyArray<RewriteRequest>,
  rng: Rng
): Effect.Effect<ReadonlyArray<RewriteOutput | null>, OperatorError> =>
  Effect.gen(function* () {
    const groups = new Map<string, Array<number>>()
    requests.forEach((r, i) => {
      const k = groupKey(r)
      const g = groups.get(k)
      if (g) g.push(i)
      else groups.set(k, [i])
    })
    const out: Array<RewriteOutput | null> = new Array(requests.length).fill(null)
    for (const [key, positions] of groups) {
      const first = requests[positions[0]]
      const op = registry.get(first.operator)
      if (!op) {
        return yield* Effect.fail(new OperatorError({ operator: first.operator, reason: `no such operator (known: ${OPERATOR_NAMES.join(", ")})` }))
      }
      const got = yield* op.apply(positions.map((i) => requests[i].input), first.params, rng.child(key))
      got.forEach((o, k) => {
        out[positions[k]] = o
      })
    }
    return out
  })
