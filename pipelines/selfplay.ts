/**
 * The main job: the DuoGuard two-player game on the committed data.
 *
 *   npx tsx pipelines/selfplay.ts                 # default run → runs/default/
 *   npx tsx pipelines/selfplay.ts --quick         # a few minutes, for tests and a first look
 *   npx tsx pipelines/selfplay.ts --ablation en   # seed languages En only (also en-fr, all)
 *   npx tsx pipelines/selfplay.ts --set iterations=3 --set dpo.beta=0.5
 *   npx tsx pipelines/selfplay.ts --ship          # also copy the final guard to models/default
 *   npx tsx pipelines/selfplay.ts --seed-file S.parquet --benchmarks B.parquet   # other data
 *
 * Rerunning the same command resumes: finished stages are skipped (runs/<id>/iter-<t>/*.done.json).
 */
import { ensureDefaultTables } from "../src/data/cache.ts"
import { Command, Options } from "@effect/cli"
import { Console, Effect, Layer, Option } from "effect"
import * as path from "node:path"
import { ABLATION_SEED_LANGUAGES, DEFAULT_SELFPLAY, QUICK_SELFPLAY, SelfPlayConfig } from "../src/game/config.ts"
import { Game, GameLive } from "../src/game/context.ts"
import { writeRunReport, shipGuard, writeRunManifest } from "../src/game/report.ts"
import { runDirOf } from "../src/game/run-folder.ts"
import * as S from "../src/game/stages.ts"
import { BackendLive } from "../src/runtime/backend.ts"
import { repoRoot, resolvePath, runCommandLine, setOption } from "../src/runtime/cli.ts"
import { loadConfig } from "../src/runtime/config.ts"
import { ProgressLive } from "../src/runtime/progress.ts"
import { SeedLive } from "../src/runtime/seed.ts"
import { DEFAULT_LEXICON_FILE } from "../src/guard/storage.ts"
import { DEFAULT_PIECES_FILE } from "../src/guard/pieces-build.ts"

/** Iteration 0: the generator's starting policy, and the seed-only guard with its checks. */
const iterationZero = Effect.gen(function* () {
  yield* S.initPolicy(0)
  yield* S.train(0)
  yield* S.crosslingualCheck(0)
  yield* S.generalization(0)
  yield* S.evaluate(0)
})

/** One round of the game: the generator plays against guard_{t-1}, then the guard retrains. */
const iteration = (t: number) =>
  Effect.gen(function* () {
    yield* S.sample(t) // seeds to rewrite
    yield* S.generate(t) // π_{t-1} picks a program per proposal, the operators rewrite
    yield* S.filter(t) // failed, off-language, relabelled, benchmark-copied and duplicate rewrites dropped
    yield* S.judge(t) // guard_{t-1}: chosen = fooled it, rejected = did not
    yield* S.dpo(t) // π_{t-1} → π_t
    yield* S.fooling(t) // π_t vs π_{t-1} on fresh seeds, same guard
    yield* S.synthesize(t) // the misclassified proposals join the training data
    yield* S.train(t) // guard_t, from scratch on seed ∪ synthetic_1..t
    yield* S.crosslingualCheck(t) // translated validation requests: the game's effect off the benchmarks
    yield* S.generalization(t) // held-out sources and everyday text: what counts
    yield* S.evaluate(t) // Table 1 of guard_t
  })

const selfPlay = Effect.gen(function* () {
  const { config } = yield* Game
  yield* writeRunManifest
  yield* iterationZero
  for (let t = 1; t <= config.iterations; t++) yield* iteration(t)
  return yield* writeRunReport
})

// ─── command line ─────────────────────────────────────────────────────────────────────────

const quick = Options.boolean("quick").pipe(Options.withDescription("small preset: runs end to end in a few minutes"))
const ablation = Options.choice("ablation", Object.keys(ABLATION_SEED_LANGUAGES)).pipe(
  Options.withDescription("the paper's seed-language ablation (Figure 5 / Table 3): en, en-fr or all"),
  Options.optional
)
const configFile = Options.file("config").pipe(Options.withDescription("JSON config file (see src/game/config.ts)"), Options.optional)
const set = setOption("iterations=3")
const ship = Options.boolean("ship").pipe(Options.withDescription("copy the final guard to models/default"))
const seedFile = Options.file("seed-file").pipe(Options.withDescription("seed table (default: datasets/seed.parquet)"), Options.optional)
const benchmarksFile = Options.file("benchmarks").pipe(
  Options.withDescription("benchmark table, scored after each iteration (default: datasets/benchmarks.parquet)"),
  Options.optional
)

const command = Command.make("selfplay", { quick, ablation, configFile, set, ship, seedFile, benchmarksFile }, (args) =>
  Effect.gen(function* () {
    const preset = args.quick ? QUICK_SELFPLAY : DEFAULT_SELFPLAY
    const langs = Option.map(args.ablation, (a) => ({ runId: `${preset.runId}-seed-${a}`, seedLanguages: ABLATION_SEED_LANGUAGES[a] }))
    const defaults = { ...preset, ...Option.getOrElse(langs, () => ({})) }
    const config = yield* loadConfig(SelfPlayConfig, defaults, { file: Option.getOrUndefined(args.configFile), overrides: args.set })
    const paths = {
      repoRoot,
      seedFile: resolvePath(args.seedFile, "datasets/seed.parquet"),
      benchmarksFile: resolvePath(args.benchmarksFile, "datasets/benchmarks.parquet"),
      lexiconFile: DEFAULT_LEXICON_FILE,
      piecesFile: DEFAULT_PIECES_FILE,
      runDir: runDirOf(repoRoot, config.runId)
    }
    yield* ensureDefaultTables([paths.seedFile, paths.benchmarksFile])
    // The run's one root seed enters here: every random stream derives from the Seed service.
    const layers = Layer.mergeAll(GameLive(config, paths).pipe(Layer.provideMerge(SeedLive(config.seed))), BackendLive(), ProgressLive)
    const report = yield* selfPlay.pipe(
      Effect.zipLeft(args.ship ? shipGuard(path.join(repoRoot, "models/default")) : Effect.void),
      Effect.provide(layers)
    )
    yield* Console.log(report)
  })
)

runCommandLine("selfplay", Command.run(command, { name: "selfplay", version: "0.1.0" })(process.argv))
