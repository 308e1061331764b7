/**
 * What a finished (or partly finished) self-play run says, for the self-play notebook: the
 * folder as read by run-folder.ts → plain rows, ready for a chart or a Markdown table.
 */
import * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
import { BENCHMARK_LANGUAGES, BENCHMARKS, type BenchmarkLang, type BenchmarkName } from "../../schemas/index.ts"
import { FileError } from "../data/errors.ts"
import type { IterationPoint } from "../eval/charts.ts"
import { averageOf, cellOf, type Table1Result } from "../eval/table1.ts"
import { Policy } from "../generator/policy.ts"
import { SEED_FEATURE_DIM, seedFeatureMatrix } from "../generator/seed-features.ts"
import { Backend } from "../runtime/backend.ts"
import type { Rng } from "../runtime/rng.ts"
import { ITER, iterDir, iterName, type RunFolder } from "./run-folder.ts"

// ─── derived tables ───────────────────────────────────────────────────────────────────────

/** Table 1 of iterations 0..T. */
export const tablesOf = (run: RunFolder): ReadonlyArray<{ readonly t: number; readonly table1: Table1Result }> =>
  [{ t: 0, table1: run.baseline }, ...run.played.map((p) => ({ t: p.t, table1: p.table1 }))]

/** Figure 7a's points (avg F1 in percent per language and iteration) and the flag-everything levels. */
export const avgF1Points = (run: RunFolder) => {
  const points: Array<IterationPoint> = tablesOf(run).flatMap(({ t, table1 }) =>
    table1.ours.averages.map((a) => ({ iteration: t, lang: a.lang, avgF1: 100 * a.avgF1 }))
  )
  const flagEverything = run.baseline.flagEverything.averages.map((a) => ({ lang: a.lang, avgF1: 100 * a.avgF1, label: "flag-everything" }))
  return { points, flagEverything }
}

export interface F1Delta {
  readonly benchmark: BenchmarkName
  readonly lang: BenchmarkLang
  /** F1 in percent at iteration 0 and at the last finished iteration. */
  readonly first: number
  readonly last: number
  readonly delta: number
}

/** Per benchmark × language: F1 of the seed-only guard vs the last finished iteration's guard. */
export const f1Deltas = (run: RunFolder): Array<F1Delta> => {
  const last = tablesOf(run).at(-1)!.table1
  const out: Array<F1Delta> = []
  for (const lang of BENCHMARK_LANGUAGES) {
    for (const benchmark of BENCHMARKS) {
      const a = cellOf(run.baseline.ours, benchmark, lang)
      const b = cellOf(last.ours, benchmark, lang)
      if (a && b) out.push({ benchmark, lang, first: 100 * a.f1, last: 100 * b.f1, delta: 100 * (b.f1 - a.f1) })
    }
  }
  return out
}

/** Six-benchmark average F1 (percent) of one table, per language; NaN where missing. */
export const avgF1Of = (table1: Table1Result, lang: BenchmarkLang): number => 100 * (averageOf(table1.ours, lang)?.avgF1 ?? NaN)

const tally = <K extends string>(keys: Iterable<K>): Map<K, number> => {
  const m = new Map<K, number>()
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1)
  return m
}

const byName = <T extends { readonly name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)

export interface Share {
  readonly iteration: number
  readonly name: string
  readonly n: number
  /** n / rows of the iteration */
  readonly share: number
}

const sharesOf = <T>(iteration: number, rows: ReadonlyArray<T>, key: (row: T) => Iterable<string>, total = rows.length): Array<Share> =>
  [...tally(rows.flatMap((r) => [...key(r)]))]
    .map(([name, n]) => ({ iteration, name, n, share: total > 0 ? n / total : 0 }))
    .sort(byName)

/** Figure 7b: the language mix of each iteration's synthetic rows. */
export const syntheticLanguageMix = (run: RunFolder): Array<Share> => run.played.flatMap((p) => sharesOf(p.t, p.synthetic, (r) => [r.lang]))

/** The label mix (safe / unsafe) of each iteration's synthetic rows. */
export const syntheticLabelMix = (run: RunFolder): Array<Share> =>
  run.played.flatMap((p) => sharesOf(p.t, p.synthetic, (r) => [r.unsafe ? "unsafe" : "safe"]))

/** Categories of each iteration's synthetic rows (multi-label: share = rows carrying it / rows). */
export const syntheticCategoryMix = (run: RunFolder): Array<Share> =>
  run.played.flatMap((p) => sharesOf(p.t, p.synthetic, (r) => r.categories))

export interface FoolingRate {
  readonly iteration: number
  readonly policy: "reference π(t-1)" | "after DPO π(t)"
  readonly per: "per proposal" | "per kept"
  readonly rate: number
  readonly fooled: number
  /** The denominator: proposals or kept proposals. */
  readonly of: number
}

/** fooling.json of every iteration as rows: both policies, both denominators. */
export const foolingRates = (run: RunFolder): Array<FoolingRate> =>
  run.played.flatMap((p) =>
    ([["reference π(t-1)", p.fooling.reference], ["after DPO π(t)", p.fooling.updated]] as const).flatMap(([policy, s]) => [
      { iteration: p.t, policy, per: "per proposal" as const, rate: s.rate, fooled: s.fooled, of: s.proposals },
      { iteration: p.t, policy, per: "per kept" as const, rate: s.ratePerKept, fooled: s.fooled, of: s.kept }
    ])
  )

/** The policy's four heads, in action order (see HEADS in src/generator/programs.ts). */
export const HEAD_NAMES = ["target", "route", "frame", "surface"] as const
export type HeadName = (typeof HEAD_NAMES)[number]

/**
 * A program's choice per head, from its name "de ← freedict:1.0 | jailbreak:roleplay | none"
 * (the format of decodeAction in src/generator/programs.ts).
 */
export const programParts = (program: string): Record<HeadName, string> => {
  const m = /^(\S+) ← (.+) \| (.+) \| (.+)$/.exec(program)
  if (!m) throw new Error(`program name "${program}" is not "target ← route | frame | surface"`)
  return { target: m[1], route: m[2], frame: m[3], surface: m[4] }
}

export interface ChoiceShare extends Share {
  readonly head: HeadName
}

/** How often each choice of each head was sampled among an iteration's proposals (all of them, kept or not). */
export const choiceShares = (run: RunFolder): Array<ChoiceShare> =>
  run.played.flatMap((p) =>
    HEAD_NAMES.flatMap((head) => sharesOf(p.t, p.candidates, (c) => [programParts(c.program)[head]]).map((s) => ({ ...s, head })))
  )

export interface FoolRate {
  readonly iteration: number
  readonly head: HeadName
  readonly name: string
  /** Kept proposals with this choice, and how many of them fooled guard_{t-1}. */
  readonly kept: number
  readonly fooled: number
  readonly rate: number
}

/** Per head choice: the share of kept proposals that fooled the guard. */
export const foolRateByChoice = (run: RunFolder, heads: ReadonlyArray<HeadName> = HEAD_NAMES): Array<FoolRate> =>
  run.played.flatMap((p) =>
    heads.flatMap((head) => {
      const groups = new Map<string, { kept: number; fooled: number }>()
      for (const j of p.judged) {
        const name = programParts(j.program)[head]
        const g = groups.get(name) ?? { kept: 0, fooled: 0 }
        g.kept++
        if (j.fooled) g.fooled++
        groups.set(name, g)
      }
      return [...groups]
        .map(([name, g]) => ({ iteration: p.t, head, name, kept: g.kept, fooled: g.fooled, rate: g.fooled / g.kept }))
        .sort(byName)
    })
  )

/** Whole programs that fooled the guard most often (at least `minKept` kept proposals), all iterations together. */
export const topFoolingPrograms = (run: RunFolder, opts: { readonly minKept: number; readonly limit: number }) => {
  const groups = new Map<string, { kept: number; fooled: number }>()
  for (const j of run.played.flatMap((p) => p.judged)) {
    const g = groups.get(j.program) ?? { kept: 0, fooled: 0 }
    g.kept++
    if (j.fooled) g.fooled++
    groups.set(j.program, g)
  }
  return [...groups]
    .filter(([, g]) => g.kept >= opts.minKept)
    .map(([program, g]) => ({ program, kept: g.kept, fooled: g.fooled, rate: g.fooled / g.kept }))
    .sort((a, b) => b.rate - a.rate || b.kept - a.kept || (a.program < b.program ? -1 : 1))
    .slice(0, opts.limit)
}

/** filter.json of every iteration as rows: proposals per reason ("kept" included) and their share. */
export const filterReasons = (run: RunFolder): Array<Share> =>
  run.played.flatMap((p) => {
    const total = Object.values(p.filter).reduce((s, n) => s + n, 0)
    return Object.entries(p.filter).map(([name, n]) => ({ iteration: p.t, name, n, share: total > 0 ? n / total : 0 })).sort(byName)
  })

/** A proposal next to the seed it came from, for reading. */
export interface SampleProposal {
  readonly iteration: number
  readonly seed: string
  readonly rewrite: string
  readonly program: string
  readonly label: string
  readonly p_unsafe: number
  readonly fooled: boolean
}

/**
 * Up to `perGroup` judged proposals per iteration and outcome (fooled / not fooled), drawn with
 * `rng`; each (iteration, outcome) group draws from its own child stream.
 */
export const sampleProposals = (run: RunFolder, perGroup: number, rng: Rng): Array<SampleProposal> =>
  run.played.flatMap((p) => {
    const seedText = new Map(p.seeds.map((s) => [s.id, s.text]))
    return [true, false].flatMap((fooled) =>
      rng.child(`${iterName(p.t)}/${fooled ? "fooled" : "not-fooled"}`)
        .shuffle(p.judged.filter((j) => j.fooled === fooled))
        .slice(0, perGroup)
        .map((j) => ({
          iteration: p.t,
          seed: seedText.get(j.seed_id) ?? "(seed not in seeds.parquet)",
          rewrite: j.text,
          program: j.program,
          label: j.unsafe ? `unsafe ${j.categories.join(" ")}` : "safe",
          p_unsafe: j.p_unsafe,
          fooled: j.fooled
        }))
    )
  })

// ─── the policy before and after a DPO step ───────────────────────────────────────────────

export interface ChoiceProbability {
  readonly iteration: number
  readonly head: string
  /** Index of the choice within its head (a_target, a_route, ... in candidates.parquet). */
  readonly index: number
  readonly name: string
  /** Mean probability over the iteration's seeds under π_{t-1} (reference) and π_t. */
  readonly reference: number
  readonly updated: number
}

/** Mean per-head softmax (unmasked: what the DPO loss trains) over the rows of `x`. */
const meanHeadProbabilities = (policy: Policy, x: tf.Tensor2D): Array<Array<number>> =>
  tf.tidy(() => policy.logits(x).map((l) => Array.from(tf.mean(tf.softmax(l), 0).dataSync())))

/**
 * How the DPO step of iteration t moved the policy: the mean probability of each choice of
 * each head over the iteration's seeds, under π_{t-1} and π_t. The probabilities are before the
 * per-seed feasibility masks (the sampled distribution is `choiceShares`), because that is what
 * the DPO loss moves. Choice names come from the proposals that used the index ("#i" if none did).
 */
export const policyShift = (run: RunFolder, t: number): Effect.Effect<Array<ChoiceProbability>, FileError, Backend> =>
  Effect.gen(function* () {
    yield* Backend // the caller picks the tfjs backend (and silences it)
    const played = run.played.find((p) => p.t === t)
    if (!played) return yield* new FileError({ path: iterDir(run.dir, t), reason: `iteration ${t} has not finished` })
    const weights = [yield* ITER.policy.read(iterDir(run.dir, t - 1)), yield* ITER.policy.read(iterDir(run.dir, t))]
    // Policy.fromWeights leaves the tensors it copies into variables allocated; a scope frees
    // them (variables survive a tidy), so the backend session ends with nothing left over.
    const [reference, updated] = weights.map((w) => {
      let policy!: Policy
      tf.tidy(() => {
        policy = Policy.fromWeights(w)
      })
      return policy
    })
    try {
      if (reference.shape.inputDim !== SEED_FEATURE_DIM) {
        return yield* new FileError({ path: ITER.policy.at(iterDir(run.dir, t - 1)), reason: `inputDim ${reference.shape.inputDim}, but seed features have ${SEED_FEATURE_DIM}` })
      }
      const x = tf.tensor2d(seedFeatureMatrix(played.seeds), [played.seeds.length, SEED_FEATURE_DIM])
      const [before, after] = [reference, updated].map((p) => meanHeadProbabilities(p, x))
      x.dispose()
      const names = new Map<string, string>()
      for (const c of played.candidates) {
        const parts = programParts(c.program)
        ;[c.a_target, c.a_route, c.a_frame, c.a_surface].forEach((index, h) => names.set(`${h}/${index}`, parts[HEAD_NAMES[h]]))
      }
      return reference.shape.heads.flatMap((head, h) =>
        before[h].map((p, index) => ({
          iteration: t,
          head: head.name,
          index,
          name: names.get(`${h}/${index}`) ?? `#${index}`,
          reference: p,
          updated: after[h][index]
        }))
      )
    } finally {
      reference.dispose()
      updated.dispose()
    }
  })
