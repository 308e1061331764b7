/**
 * The Game service: what the stages of a run read — the configuration, the seed table, the
 * operators, the contamination index — loaded once per run and provided as a Layer. Each
 * loaded thing is a stage input (stage.ts): its value, and the files and settings it is made
 * of, which a stage that reads it puts in its resume key.
 */
import { HOLDOUT_RULE, heldOutRows, isHeldOutRow } from "../eval/generalization.ts"
import { Context, Effect, Layer } from "effect"
import { BENCHMARK_LANGUAGES, Example, type Lang } from "../../schemas/index.ts"
import { contaminationIndexFromFile, type ContaminationIndex } from "../data/contamination.ts"
import { readRows } from "../data/parquet.ts"
import { stratifiedSample } from "../data/sample.ts"
import { makeOperators, type Registry } from "../generator/operators/index.ts"
import { programSpace, type ProgramSpace } from "../generator/programs.ts"
import type { Lexicon } from "../guard/lexicon.ts"
import { readLexiconFile } from "../guard/storage.ts"
import type { Pieces } from "../guard/pieces.ts"
import { readPiecesFile } from "../guard/pieces-build.ts"
import { Seed } from "../runtime/seed.ts"
import type { SelfPlayConfig } from "./config.ts"
import { iterDir } from "./run-folder.ts"
import type { Input } from "./stage.ts"

export interface GamePaths {
  readonly repoRoot: string
  readonly seedFile: string
  readonly benchmarksFile: string
  /** The guard's cross-lingual lexicon (read when the guard config sets features.lexicon). */
  readonly lexiconFile: string
  /** The guard's subword pieces (read, and built when missing, when the guard config sets features.pieces). */
  readonly piecesFile: string
  /** runs/<run-id> */
  readonly runDir: string
}

/** The seed rows a guard trains on: after the seed-language choice, the held-out rule and the cap. */
export interface TrainRows {
  /** The train split: what the guard trains on. */
  readonly train: ReadonlyArray<Example>
  /** The validation split: early stopping and calibration, never benchmarks. */
  readonly validation: ReadonlyArray<Example>
}

export interface Operators {
  readonly registry: Registry
  /** Operators that can run on this machine (the others are masked out of the action space). */
  readonly available: ReadonlySet<string>
}

/** What the run loaded, each as a stage input. */
export interface GameData {
  /** Every seed row, by id. */
  readonly seedRows: Input<ReadonlyMap<string, Example>>
  readonly trainRows: Input<TrainRows>
  /** Seed rows the generator may start from (train rows of the seed languages). */
  readonly generationPool: Input<ReadonlyArray<Example>>
  /** Rows of the generalization check's held-out sources: never trained on, scored each iteration. */
  readonly heldOut: Input<ReadonlyArray<Example>>
  /** The lexicon every guard of the run is trained with (null when features.lexicon is off). */
  readonly lexicon: Input<Lexicon | null>
  /** The subword pieces every guard of the run is trained with (null when features.pieces is off). */
  readonly pieces: Input<Pieces | null>
  readonly operators: Input<Operators>
  /** The generator's action space: LLM routes only when an endpoint is configured (programs.ts). */
  readonly programs: Input<ProgramSpace>
  /** Used only to drop generated texts that equal benchmark texts; never to select or tune. */
  readonly contamination: Input<ContaminationIndex>
}

export interface GameService {
  readonly config: SelfPlayConfig
  readonly paths: GamePaths
  readonly data: GameData
  readonly iterDir: (t: number) => string
}

export class Game extends Context.Tag("duoguard/Game")<Game, GameService>() {}

/**
 * In the seed-language ablation a benchmark language not in `seedLanguages` is left out of the
 * guard's seed data too (the paper's "seed languages En only" starts from English alone).
 */
const usesLanguage = (config: SelfPlayConfig, lang: Lang) =>
  !(BENCHMARK_LANGUAGES as ReadonlyArray<string>).includes(lang) || (config.seedLanguages as ReadonlyArray<string>).includes(lang)

const loaded = <A>(value: A, files: ReadonlyArray<string>, settings: unknown = null): Input<A> => ({ files, settings, value: Effect.succeed(value) })

const load = (config: SelfPlayConfig, paths: GamePaths) =>
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
    const pieces = config.guard.features.pieces ? yield* readPiecesFile(paths.piecesFile) : null
    // What decides which seed rows train the guard (the root seed: the cap's sample).
    const trainRule = { seedLanguages: config.seedLanguages, maxSeedTrainRows: config.maxSeedTrainRows, heldOut: HOLDOUT_RULE, seed: seed.root }
    const seedFile = [paths.seedFile]
    return {
      config,
      paths,
      data: {
        seedRows: loaded(new Map(all.map((r) => [r.id, r])), seedFile),
        trainRows: loaded({ train: seedTrain, validation: seedValidation }, seedFile, trainRule),
        generationPool: loaded(generationPool, seedFile, trainRule),
        heldOut: loaded(heldOutRows(all), seedFile, HOLDOUT_RULE),
        lexicon: lexicon === null ? loaded(null, []) : loaded(lexicon, [paths.lexiconFile]),
        pieces: pieces === null ? loaded(null, []) : loaded(pieces, [paths.piecesFile]),
        // Another endpoint or model writes other rewrites (the API key is never part of a run).
        operators: loaded({ registry, available }, [], { available: [...available].sort(), llm: config.llmUrl === null ? null : { url: config.llmUrl, ...config.llm } }),
        // The targets enter the key only when set, so runs that never set them keep their stage keys.
        programs: loaded(
          programSpace({ llm: config.llmUrl !== null, targets: config.generatorTargets }),
          [],
          { llm: config.llmUrl !== null, ...(config.generatorTargets === undefined ? {} : { targets: config.generatorTargets }) }
        ),
        contamination: loaded(contamination, [paths.benchmarksFile])
      },
      iterDir: (t: number) => iterDir(paths.runDir, t)
    } satisfies GameService
  })

export const GameLive = (config: SelfPlayConfig, paths: GamePaths) => Layer.scoped(Game, load(config, paths))
