/**
 * The self-play run's configuration: one Schema, a default (the main job), a `--quick`
 * preset for tests, and the paper's seed-language ablation (Figure 5 / Table 3).
 */
import { Schema } from "effect"
import { BenchmarkLang } from "../../schemas/index.ts"
import { LlmConfig } from "../generator/operators/llm-rewrite.ts"
import { WRITABLE_TARGETS } from "../generator/programs.ts"
import { TrainConfig, DEFAULT_TRAIN_CONFIG } from "../guard/config.ts"

const PositiveInt = Schema.Int.pipe(Schema.positive())
const Positive = Schema.Number.pipe(Schema.positive())

/** A command that trains the guard instead of the in-process trainer (contract: external-trainer.ts). */
export const ExternalTrainer = Schema.Struct({
  /** argv of the command (no shell); {table}, {settings} and {out} are replaced by paths. */
  command: Schema.NonEmptyArray(Schema.String),
  /** Per attempt. Default 24 h. */
  timeoutMs: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 86_400_000 }),
  /** Attempts after the first. Default 1. */
  retries: Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { default: () => 1 })
})
export type ExternalTrainer = typeof ExternalTrainer.Type

export const SelfPlayConfig = Schema.Struct({
  /** Folder name under runs/ (starts with a letter or digit: never `.` or `..`). */
  runId: Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9][A-Za-z0-9._-]*$/)),
  /** The root seed: every random stream of the run derives from it. */
  seed: Schema.Int,
  /** Self-play iterations after iteration 0 (the seed-only guard). The paper used 2. */
  iterations: PositiveInt,
  /** Languages of the seed rows the game may start from, and that the guard trains on. */
  seedLanguages: Schema.Array(BenchmarkLang).pipe(Schema.minItems(1)),
  /** Seeds sampled per iteration. */
  seedsPerIteration: PositiveInt,
  /**
   * How seeds are drawn (stages.ts): "per-source" = equal share per (language, label, source),
   * so the few harmful requests get rewritten as often as the many posts; "proportional" =
   * shares of rows per (language, label, first category).
   */
  seedSampling: Schema.Literal("per-source", "proportional"),
  /** Proposals per seed (the paper: 8). */
  proposalsPerSeed: PositiveInt,
  /** Seeds of the fresh sample on which reference and updated policies are compared. */
  foolingSeeds: PositiveInt,
  /** Sampling temperature of the policy. */
  temperature: Positive,
  policy: Schema.Struct({ hidden: PositiveInt }),
  dpo: Schema.Struct({
    beta: Positive,
    alpha: Schema.Number.pipe(Schema.nonNegative()),
    learningRate: Positive,
    epochs: PositiveInt,
    batchSize: PositiveInt,
    maxPairsPerSeed: PositiveInt,
    /** Count proposals the filters dropped as rejected (they fool nobody). */
    rejectFiltered: Schema.Boolean
  }),
  /**
   * The paper's agreement rule: drop proposals whose label differs from their seed's (a program
   * that flipped it). Off = label-changing frames (safe quotation, jailbreak of a benign request) count.
   */
  requireSeedLabel: Schema.Boolean,
  /** Percent of each iteration's synthetic rows held out for the guard's validation split. */
  syntheticValidationPercent: Schema.Int.pipe(Schema.between(0, 50)),
  /**
   * The languages the generator writes, in the policy's target-head order (absent = en, fr, de, es).
   * Adding it and pt lets translations reach two languages the seed sampling never starts from;
   * measured over three seeds it did not raise the generalization check (docs/game-effect.md).
   */
  generatorTargets: Schema.optional(
    Schema.Array(Schema.Literal(...WRITABLE_TARGETS)).pipe(
      Schema.minItems(1),
      Schema.filter((ls) => new Set(ls).size === ls.length || `each language once: ${ls.join(", ")}`)
    )
  ),
  /** Optional cap on seed training rows (the quick preset trains the guard on a sample). */
  maxSeedTrainRows: Schema.NullOr(PositiveInt),
  guard: TrainConfig,
  /**
   * OpenAI-compatible endpoint (vLLM, llama.cpp, Ollama) of the LLM generator (null = off): its
   * rewrites become routes the policy can choose (programs.ts). The API key, if any, is read
   * from DUOGUARD_LLM_API_KEY, never stored in the run.
   */
  llmUrl: Schema.NullOr(Schema.String),
  /** The endpoint's settings (model name, timeouts, retries, rate); absent = LLM_DEFAULTS. */
  llm: Schema.optional(Schema.partial(LlmConfig.pipe(Schema.omit("url", "apiKey")))),
  /** A command that trains the guard in place of the in-process trainer (external-trainer.ts); absent = in-process. */
  externalTrainer: Schema.optional(ExternalTrainer)
})
export type SelfPlayConfig = typeof SelfPlayConfig.Type
export type SelfPlayConfigEncoded = typeof SelfPlayConfig.Encoded

export const DEFAULT_SELFPLAY: SelfPlayConfigEncoded = {
  runId: "default",
  seed: 20250207,
  iterations: 2,
  seedLanguages: ["en", "fr", "de", "es"],
  seedsPerIteration: 2500,
  seedSampling: "per-source",
  proposalsPerSeed: 8,
  foolingSeeds: 600,
  temperature: 1,
  policy: { hidden: 64 },
  // β larger than the paper's 0.01 (an 8B LLM's sequence log-probs span hundreds of nats; this
  // policy's span a few), α = the paper's RPO weight.
  dpo: { beta: 1, alpha: 0.4, learningRate: 0.01, epochs: 4, batchSize: 256, maxPairsPerSeed: 4, rejectFiltered: true },
  requireSeedLabel: true,
  syntheticValidationPercent: 10,
  maxSeedTrainRows: null,
  guard: DEFAULT_TRAIN_CONFIG,
  llmUrl: null
}

/** End to end in a few minutes: for tests and a first look. */
export const QUICK_SELFPLAY: SelfPlayConfigEncoded = {
  ...DEFAULT_SELFPLAY,
  runId: "quick",
  iterations: 1,
  seedsPerIteration: 150,
  proposalsPerSeed: 4,
  foolingSeeds: 100,
  maxSeedTrainRows: 6000,
  guard: { ...DEFAULT_TRAIN_CONFIG, maxEpochs: 1, features: { ...DEFAULT_TRAIN_CONFIG.features, buckets: 1 << 14 } }
}

/** The paper's seed-language ablation: which seed languages the game starts from. */
export const ABLATION_SEED_LANGUAGES: Readonly<Record<string, ReadonlyArray<"en" | "fr" | "de" | "es">>> = {
  "en": ["en"],
  "en-fr": ["en", "fr"],
  "all": ["en", "fr", "de", "es"]
}
