/**
 * The generator's action space: a rewrite PROGRAM = target language, a route into it, a frame
 * and a surface change, applied in that order (≤ 3 operators). Each is one categorical head of
 * the policy; infeasible choices (no translation pair from the seed's language, a route that
 * only makes sense within one language) are masked, so log-probabilities stay exact.
 *
 * With an LLM endpoint configured (`llmUrl`), the route head also offers LLM rewrites
 * (paraphrase, register, writing in the target language): `programSpace({ llm: true })`. They
 * are appended after the other routes, so without the endpoint the space, its indices and every
 * byte of a run are what they were before LLM routes existed.
 */
import type { Lang } from "../../schemas/index.ts"
import type { HeadSpec, RowMask } from "./policy.ts"
import type { Params, Registry } from "./operators/index.ts"

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

/** The languages the generator writes by default: the seed languages, where every frame has native templates. */
export const TARGETS: ReadonlyArray<Lang> = ["en", "fr", "de", "es"]

/**
 * Every language a program can target: Apertium also reaches Italian and Portuguese (through
 * Spanish), where hunspell gates the spelling but no frame has templates, so only the plain
 * translation with surface noise is feasible there.
 */
export const WRITABLE_TARGETS = ["en", "fr", "de", "es", "it", "pt"] as const satisfies ReadonlyArray<Lang>

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

/** The LLM generator's routes (llm-rewrite through an OpenAI-compatible endpoint, e.g. vLLM). */
const LLM_ROUTES: ReadonlyArray<Choice & { readonly crossLingual: boolean }> = [
  ...["paraphrase", "formal", "casual"].map((style) => ({
    name: `llm:${style}`,
    step: { operator: "llm-rewrite", params: { style, target: "same" } },
    crossLingual: false
  })),
  // The target language is filled in by routeStep, as for the other cross-lingual routes.
  { name: "llm:translate", step: { operator: "llm-rewrite", params: { style: "paraphrase" } }, crossLingual: true }
]

/** True for a program name whose route is an LLM rewrite ("fr ← llm:translate | none | none"). */
export const isLlmProgram = (program: string): boolean => / ← llm:/.test(program)

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

export interface Program {
  readonly target: Lang
  readonly steps: ReadonlyArray<Step>
  /** e.g. "de ← freedict:1.0 | jailbreak:roleplay | obfuscate:leet/low" */
  readonly name: string
}

/** The concrete route step for a target (translation params carry the target language). */
const routeStep = (route: (typeof ROUTES)[number], target: Lang): Step | null =>
  route.step && route.crossLingual ? { operator: route.step.operator, params: { ...route.step.params, target } } : route.step

/** The action space a run plays in: its heads, how an action decodes, and what is feasible. */
export interface ProgramSpace {
  readonly heads: ReadonlyArray<HeadSpec>
  readonly decodeAction: (action: ReadonlyArray<number>) => Program
  /**
   * Row masks for a batch of seeds: a route must exist from the seed's language to the target
   * (checked with the operators' own `canApply`), and frames/surfaces must support the target.
   * Operators this machine cannot run (a missing Debian package, no LLM endpoint) are masked out.
   */
  readonly feasibility: (registry: Registry, seedLangs: ReadonlyArray<Lang>, available: ReadonlySet<string>) => RowMask
}

export const programSpace = (opts: { readonly llm: boolean; readonly targets?: ReadonlyArray<Lang> }): ProgramSpace => {
  const routes = opts.llm ? [...ROUTES, ...LLM_ROUTES] : ROUTES
  const targets = opts.targets ?? TARGETS
  const heads: ReadonlyArray<HeadSpec> = [
    { name: "target", size: targets.length },
    { name: "route", size: routes.length },
    { name: "frame", size: FRAMES.length },
    { name: "surface", size: SURFACES.length }
  ]

  const decodeAction = (action: ReadonlyArray<number>): Program => {
    const [t, r, f, s] = action
    const target = targets[t]
    const route = routes[r]
    const steps = [routeStep(route, target), FRAMES[f].step, SURFACES[s].step].filter((x): x is Step => x !== null)
    return { target, steps, name: `${target} ← ${route.name} | ${FRAMES[f].name} | ${SURFACES[s].name}` }
  }

  /**
   * FreeDict mixing is kept to German (the only route there) plus light mixing elsewhere: its
   * French/Spanish/Italian dictionaries are small and mostly fail the gates (measured).
   */
  const feasibility = (registry: Registry, seedLangs: ReadonlyArray<Lang>, available: ReadonlySet<string>): RowMask => {
    const op = (name: string) => registry.get(name)!
    const cache = new Map<string, ReadonlyArray<boolean>>()
    const memo = (key: string, f: () => ReadonlyArray<boolean>) => {
      let v = cache.get(key)
      if (!v) cache.set(key, (v = f()))
      return v
    }
    const routeOk = (route: (typeof routes)[number], lang: Lang, target: Lang): boolean => {
      if (route.crossLingual !== (lang !== target)) return false
      const step = routeStep(route, target)
      if (step === null) return true
      if (!available.has(step.operator)) return false
      if (step.operator === "freedict-mix" && target !== "de" && step.params.rate !== "0.3") return false
      return op(step.operator).canApply(lang, step.params)
    }
    return (row, head, prev) => {
      const lang = seedLangs[row]
      if (head === 0) {
        return memo(`t|${lang}`, () => targets.map((target) => routes.some((route) => routeOk(route, lang, target))))
      }
      const target = targets[prev[0]]
      if (head === 1) return memo(`r|${lang}|${target}`, () => routes.map((route) => routeOk(route, lang, target)))
      const choices = head === 2 ? FRAMES : SURFACES
      return memo(`${head}|${target}`, () => choices.map((c) => c.step === null || (available.has(c.step.operator) && op(c.step.operator).canApply(target, c.step.params))))
    }
  }
  return { heads, decodeAction, feasibility }
}

/** The space without an LLM endpoint (what every run played before LLM routes existed). */
const BASE_SPACE = programSpace({ llm: false })
export const HEADS = BASE_SPACE.heads
export const decodeAction = BASE_SPACE.decodeAction
export const feasibility = BASE_SPACE.feasibility
