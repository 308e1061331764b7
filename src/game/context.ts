/**
 * The Game service: what every stage of a run reads — the configuration, the seed table, the
 * operators, the contamination index — loaded once per run and provided as a Layer.
 */
import { heldOutRows, isHeldOutRow } from "../eval/generalization.ts"
import { Context, Effect, Layer } from "effect"
import * as path from "node:path"
import { BENCHMARK_LANGUAGES, Example, type Lang } from "../../schemas/index.ts"
import { contaminationIndexFromFile, type ContaminationIndex } from "../data/contamination.ts"
import { readRows } from "../data/parquet.ts"
import { stratifiedSample } from "../data/sample.ts"
import { makeOperators, type Registry } from "../generator/operators/index.ts"
import type { Lexicon } from "../guard/lexicon.ts"
import { readLexiconFile } from "../guard/storage.ts"
import { Seed } from "../runtime/seed.ts"
import type { SelfPlayConfig } from "./config.ts"
import { programSpace, type ProgramSpace } from "../generator/programs.ts"

export interface GamePaths {
  readonly repoRoot: string
  readonly seedFile: string
  readonly benchmarksFile: string
  /** The guard's cross-lingual lexicon (read when the guard config sets features.lexicon). */
  readonly lexiconFile: string
  /** runs/<run-id> */
  readonly runDir: string
}

export interface GameService {
  readonly config: SelfPlayConfig
  readonly paths: GamePaths
  /** Seed rows the guard trains on (train split), after the seed-language choice and the cap. */
  readonly seedTrain: ReadonlyArray<Example>
  /** Seed validation rows: early stopping and calibration, never benchmarks. */
  readonly seedValidation: ReadonlyArray<Example>
  /** Seed rows the generator may start from. */
  readonly generationPool: ReadonlyArray<Example>
  readonly seedById: ReadonlyMap<string, Example>
  /** Rows of the generalization check's held-out sources: never trained on, scored each iteration. */
  readonly heldOut: ReadonlyArray<Example>
  /** The lexicon every guard of the run is trained with (null when features.lexicon is off). */
  readonly lexicon: Lexicon | null
  readonly registry: Registry
  /** The generator's action space: LLM routes only when an endpoint is configured (programs.ts). */
  readonly programs: ProgramSpace
  /** Operators that can run on this machine (the others are masked out of the action space). */
  readonly available: ReadonlySet<string>
  /** Used only to drop generated texts that equal benchmark texts; never to select or tune. */
  readonly contamination: ContaminationIndex
  readonly iterDir: (t: number) => string
}

export class Game extends Context.Tag("duoguard/Game")<Game, GameService>() {}

/**
 * In the seed-language ablation a benchmark language not in `seedLanguages` is left out of the
 * guard's seed data too (the paper's "seed languages En only" starts from English alone).
 */
const usesLanguage = (config: SelfPlayConfig, lang: Lang) =>
  !(BENCHMARK_LANGUAGES as ReadonlyArray<string>).includes(lang) || (config.seedLanguages as ReadonlyArray<string>).includes(lang)

export const GameLive = (config: SelfPlayConfig, paths: GamePaths) =>
  Layer.scoped(
    Game,
    Effect.gen(function* () {
      const seed = yield* Seed
      const all = yield* readRows(Example, paths.seedFile)
      // The generalization check's sources are never trained on, validated on or rewritten.
      const kept = all.filter((r) => usesLanguage(config, r.lang) && !isHeldOutRow(r))
      let seedTrain = kept.filter((r) => r.split === "train")
      if (config.maxSeedTrainRows !== null && seedTrain.length > config.maxSeedTrainRows) {
        // Stratified, so a capped run still sees every (language, label) group.
        seedTrain = stratifiedSample(seedTrain, config.maxSeedTrainRows, (r) => `${r.lang}|${r.unsafe}|${r.source}`, seed.rng("cap-seed-train"))
        seedTrain.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      }
      const seedValidation = kept.filter((r) => r.split === "validation")
      const generationPool = seedTrain.filter((r) => (config.seedLanguages as ReadonlyArray<string>).includes(r.lang))
      const apiKey = process.env.DUOGUARD_LLM_API_KEY
      const registry = yield* makeOperators({
        llm: config.llmUrl ? { ...config.llm, url: config.llmUrl, ...(apiKey ? { apiKey } : {}) } : undefined
      })
      const availability = yield* registry.availability
      for (const a of availability) {
        if (a.unavailable && !(a.name === "llm-rewrite" && config.llmUrl === null)) {
          yield* Effect.logWarning(`${a.unavailable.message} — the generator will not use it`)
        }
      }
      const available = new Set(availability.filter((a) => a.unavailable === null).map((a) => a.name))
      const contamination = yield* contaminationIndexFromFile(paths.benchmarksFile)
      const lexicon = config.guard.features.lexicon ? yield* readLexiconFile(paths.lexiconFile) : null
      return {
        config,
        paths,
        seedTrain,
        seedValidation,
        generationPool,
        seedById: new Map(all.map((r) => [r.id, r])),
        heldOut: heldOutRows(all),
        lexicon,
        registry,
        programs: programSpace({ llm: config.llmUrl !== null }),
        available,
        contamination,
        iterDir: (t: number) => path.join(paths.runDir, `iter-${t}`)
      } satisfies GameService
    })
  )
