/**
 * The generator's action space: a rewrite PROGRAM = target language, a route into it, a frame
 * and a surface change, applied in that order (≤ 3 operators). Each is one categorical head of
 * the policy; infeasible choices (no translation pair from the seed's language, a route that
 * only makes sense within one language) are masked, so log-probabilities stay exact.
 */
import type { Lang } from "../../schemas/index.ts"
import type { HeadSpec, RowMask } from "../generator/policy.ts"
import type { Params, Registry } from "../generator/operators/index.ts"

/** One operator step of a program. */
export interface Step {
  readonly operator: string
  readonly params: Params
}

interface Choice {
  /** Stable, human-readable name (stored in Parquet, shown in reports). */
  readonly name: string
  /** The operator step, or null for "do nothing". */
  readonly step: Step | null
}

export const TARGETS: ReadonlyArray<Lang> = ["en", "fr", "de", "es"]

/** How the text gets into the target language. "same-language" routes only when target = seed language. */
const ROUTES: ReadonlyArray<Choice & { readonly crossLingual: boolean }> = [
  { name: "keep", step: null, crossLingual: false },
  { name: "synonyms:0.1", step: { operator: "synonyms", params: { rate: "0.1" } }, crossLingual: false },
  { name: "synonyms:0.2", step: { operator: "synonyms", params: { rate: "0.2" } }, crossLingual: false },
  { name: "back-translate:es", step: { operator: "back-translate", params: { pivot: "es" } }, crossLingual: false },
  { name: "back-translate:ca", step: { operator: "back-translate", params: { pivot: "ca" } }, crossLingual: false },
  { name: "translate", step: { operator: "translate", params: {} }, crossLingual: true },
  { name: "freedict:0.3", step: { operator: "freedict-mix", params: { rate: "0.3" } }, crossLingual: true },
  { name: "freedict:0.6", step: { operator: "freedict-mix", params: { rate: "0.6" } }, crossLingual: true },
  { name: "freedict:1.0", step: { operator: "freedict-mix", params: { rate: "1.0" } }, crossLingual: true }
]

/** What the text is wrapped in: some frames change the label (see each operator's LabelEffect). */
const FRAMES: ReadonlyArray<Choice> = [
  { name: "none", step: null },
  ...["roleplay", "fiction", "developer", "refusal-suppression", "prefix-injection"].map((style) => ({
    name: `jailbreak:${style}`,
    step: { operator: "jailbreak-wrap", params: { style } }
  })),
  ...["counter-speech", "quotation", "reported"].map((frame) => ({
    name: `safe-frame:${frame}`,
    step: { operator: "safe-frame", params: { frame } }
  })),
  ...["before", "after", "both"].map((position) => ({
    name: `padding:${position}`,
    step: { operator: "context-padding", params: { position } }
  })),
  ...["topic", "any"].map((match) => ({ name: `lookalike:${match}`, step: { operator: "benign-lookalike", params: { match } } }))
]

/** Surface noise: high intensity only where its outputs mostly pass the quality gates (measured). */
const SURFACES: ReadonlyArray<Choice> = [
  { name: "none", step: null },
  ...["leet", "homoglyph", "spacing", "elongation", "casing"].map((style) => ({
    name: `obfuscate:${style}/low`,
    step: { operator: "obfuscate", params: { style, intensity: "low" } }
  })),
  ...["spacing", "casing"].map((style) => ({
    name: `obfuscate:${style}/high`,
    step: { operator: "obfuscate", params: { style, intensity: "high" } }
  }))
]

export const HEADS: ReadonlyArray<HeadSpec> = [
  { name: "target", size: TARGETS.length },
  { name: "route", size: ROUTES.length },
  { name: "frame", size: FRAMES.length },
  { name: "surface", size: SURFACES.length }
]

export interface Program {
  readonly target: Lang
  readonly steps: ReadonlyArray<Step>
  /** e.g. "de ← freedict:1.0 | jailbreak:roleplay | obfuscate:leet/low" */
  readonly name: string
}

/** The concrete route step for a target (translation params carry the target language). */
const routeStep = (route: (typeof ROUTES)[number], target: Lang): Step | null =>
  route.step && route.crossLingual ? { operator: route.step.operator, params: { ...route.step.params, target } } : route.step

export const decodeAction = (action: ReadonlyArray<number>): Program => {
  const [t, r, f, s] = action
  const target = TARGETS[t]
  const route = ROUTES[r]
  const steps = [routeStep(route, target), FRAMES[f].step, SURFACES[s].step].filter((x): x is Step => x !== null)
  return { target, steps, name: `${target} ← ${route.name} | ${FRAMES[f].name} | ${SURFACES[s].name}` }
}

/**
 * Row masks for a batch of seeds: a route must exist from the seed's language to the target
 * (checked with the operators' own `canApply`), and frames/surfaces must support the target.
 * Operators this machine cannot run (a missing Debian package) are masked out entirely.
 * FreeDict mixing is kept to German (the only route there) plus light mixing elsewhere: its
 * French/Spanish/Italian dictionaries are small and mostly fail the gates (measured).
 */
export const feasibility = (registry: Registry, seedLangs: ReadonlyArray<Lang>, available: ReadonlySet<string>): RowMask => {
  const op = (name: string) => registry.get(name)!
  const cache = new Map<string, ReadonlyArray<boolean>>()
  const memo = (key: string, f: () => ReadonlyArray<boolean>) => {
    let v = cache.get(key)
    if (!v) cache.set(key, (v = f()))
    return v
  }
  return (row, head, prev) => {
    const lang = seedLangs[row]
    if (head === 0) {
      return memo(`t|${lang}`, () =>
        TARGETS.map((target) => ROUTES.some((route) => routeOk(route, lang, target)))
      )
    }
    const target = TARGETS[prev[0]]
    if (head === 1) return memo(`r|${lang}|${target}`, () => ROUTES.map((route) => routeOk(route, lang, target)))
    const choices = head === 2 ? FRAMES : SURFACES
    return memo(`${head}|${target}`, () => choices.map((c) => c.step === null || (available.has(c.step.operator) && op(c.step.operator).canApply(target, c.step.params))))
  }

  function routeOk(route: (typeof ROUTES)[number], lang: Lang, target: Lang): boolean {
    if (route.crossLingual !== (lang !== target)) return false
    const step = routeStep(route, target)
    if (step === null) return true
    if (!available.has(step.operator)) return false
    if (step.operator === "freedict-mix" && target !== "de" && step.params.rate !== "0.3") return false
    return op(step.operator).canApply(lang, step.params)
  }
}
