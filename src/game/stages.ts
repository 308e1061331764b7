/**
 * The stages of the two-player game. Each declares what it reads (files of the run folder,
 * the run's loaded data, a slice of the config, the random streams) and writes files of the
 * run folder (run-folder.ts) through `stage`: its resume key is made of those inputs, its
 * outputs are atomic, a done marker lets a rerun resume. Each asks for its own named random
 * stream, so adding a stage never changes another stage's samples.
 *
 *   seeds ─generate→ proposals ─filter→ candidates ─judge(guard_{t-1})→ judged
 *   judged ─pairs→ DPO → policy_t        judged(fooled) → synthetic_t
 *   seed ∪ synthetic_1..t ─train→ guard_t ─evaluate→ eval/
 */
import { Effect, type Scope } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import type { Example } from "../../schemas/index.ts"
import { CATEGORY_IDS } from "../../schemas/taxonomy.ts"
import { matchKey } from "../data/normalize.ts"
import { stratifiedSample } from "../data/sample.ts"
import { buildCrosslingualDev, CROSSLINGUAL_LANGS, summarize } from "../eval/crosslingual.ts"
import { generalizationCheck } from "../eval/generalization.ts"
import { runEvaluation } from "../eval/pipeline.ts"
import { buildPairs, trainDpo, type JudgedProposal } from "../generator/dpo-train.ts"
import { Policy } from "../generator/policy.ts"
import { actionOf, runPrograms, sampleActions } from "../generator/proposals.ts"
import { SEED_FEATURE_DIM, seedFeatureMatrix } from "../generator/seed-features.ts"
import { loadGuard, verdictFiles, type Guard } from "../guard/guard.ts"
import { isOnnxGuardDir } from "../guard/onnx/folder.ts"
import { saveGuard } from "../guard/storage.ts"
import { trainGuard } from "../guard/train.ts"
import { missingFor, route } from "../language/apertium.ts"
import type { Backend } from "../runtime/backend.ts"
import type { Progress } from "../runtime/progress.ts"
import type { Rng } from "../runtime/rng.ts"
import { Seed, type SeedService } from "../runtime/seed.ts"
import type { SelfPlayConfig } from "./config.ts"
import { Game, type GameService } from "./context.ts"
import { checkTrainedGuard, runExternalTrainer } from "./external-trainer.ts"
import { guardRows, SELFPLAY_SOURCE } from "../guard/guard-rows.ts"
import { stableJson } from "../runtime/json.ts"
import { dropCounts, filterProposals, type FilterContext } from "./filter.ts"
import { ITER, iterName, RUN, type CandidateRow, type JudgedRow, type RunFile } from "./run-folder.ts"
import { fromFiles, setting, sha256File, stage, StageError, type Input, type Inputs, type ValuesOf } from "./stage.ts"

// ─── declaring a stage ────────────────────────────────────────────────────────────────────

/** Where a stage writes: iteration t's folder (or the run's), inside the repository at `repoRoot`. */
export interface At {
  readonly t: number
  readonly dir: string
  readonly repoRoot: string
}

/** What a stage's run may ask for: never the Game or the Seed, which reach it only as declared inputs. */
type StageEnv = Backend | Progress | Scope.Scope

export interface GameStage<I extends Inputs, E, R extends StageEnv> {
  readonly name: string
  /** Writes into the run's folder rather than iteration t's. */
  readonly perRun?: boolean
  /** Everything the stage reads in iteration t, by name. */
  readonly inputs: (t: number, game: GameService, seed: SeedService) => I
  readonly outputs: (config: SelfPlayConfig) => ReadonlyArray<{ readonly name: string }>
  readonly run: (inputs: ValuesOf<I>, at: At) => Effect.Effect<unknown, E, R>
  /** Checked after the stage, resumed or not. */
  readonly after?: (config: SelfPlayConfig, at: At) => Effect.Effect<void, StageError>
}

/** A stage of the game, to play in iteration t (`def` for who needs its declaration). */
export const gameStage = <I extends Inputs, E, R extends StageEnv>(def: GameStage<I, E, R>) =>
  Object.assign(
    (t: number) =>
      Effect.gen(function* () {
        const game = yield* Game
        const seed = yield* Seed
        const at = { t, dir: def.perRun ? game.paths.runDir : game.iterDir(t), repoRoot: game.paths.repoRoot }
        yield* stage({ name: def.name, dir: at.dir, inputs: def.inputs(t, game, seed), outputs: def.outputs(game.config).map((f) => f.name), run: (i) => def.run(i, at) })
        if (def.after) yield* def.after(game.config, at)
      }),
    { def }
  )

// ─── inputs ───────────────────────────────────────────────────────────────────────────────

/** A file of the run folder. */
const file = <A, E>(f: RunFile<A, E>, dir: string): Input<A, E> => fromFiles([f.at(dir)], f.read(dir))

/** The same file of several iterations. */
const files = <A, E>(f: RunFile<A, E>, dirs: ReadonlyArray<string>): Input<ReadonlyArray<A>, E> =>
  fromFiles(dirs.map(f.at), Effect.forEach(dirs, f.read))

/** A saved guard, loaded for the stage's run (identity: the files its verdicts depend on). */
const guard = (dir: string) => fromFiles(verdictFiles(dir), loadGuard(dir))

/** A slice of the run's config. */
const configOf = <K extends keyof SelfPlayConfig>(config: SelfPlayConfig, ...keys: ReadonlyArray<K>): Input<Pick<SelfPlayConfig, K>> =>
  setting(Object.fromEntries(keys.map((k) => [k, config[k]])) as Pick<SelfPlayConfig, K>)

/** The run's random streams: the root seed is their identity. */
const streams = (seed: SeedService): Input<SeedService> => ({ files: [], settings: { seed: seed.root }, value: Effect.succeed(seed) })

/** Folders of iterations from..to. */
const iterations = (game: GameService, from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => game.iterDir(from + i))

/** The name of a stage's random stream in iteration t. */
const stream = (name: string, t: number) => `${name}/${iterName(t)}`

// ─── iteration 0 ────────────────────────────────────────────────────────────────────────────

/** The generator's starting policy π_0 (random init from the run's seed). */
export const initPolicy = gameStage({
  name: "init-policy",
  inputs: (_t, game, seed) => ({ programs: game.data.programs, config: configOf(game.config, "policy"), random: streams(seed) }),
  outputs: () => [ITER.policy],
  run: ({ programs, config, random }, { dir }) =>
    Effect.suspend(() => {
      const policy = Policy.init({ inputDim: SEED_FEATURE_DIM, hidden: config.policy.hidden, heads: programs.heads }, random.rng("policy-init"))
      const w = policy.toWeights()
      policy.dispose()
      return ITER.policy.write(dir, w)
    })
})

// ─── one self-play iteration ──────────────────────────────────────────────────────────────

/**
 * Seeds to rewrite, seeded. "per-source": every (language, label, source) group gets an equal
 * share — by rows the seed is mostly posts, and proportional sampling drew 35 harmful requests
 * out of 2,500 seeds, so the game almost never turned one into French or Spanish.
 * "proportional": each (language, label, first category) keeps its share of the rows.
 */
const sampleSeeds = (pool: ReadonlyArray<Example>, sampling: SelfPlayConfig["seedSampling"], n: number, rng: Rng, minPerStratum = 0) =>
  sampling === "per-source"
    ? stratifiedSample(pool, n, (r) => `${r.lang}|${r.unsafe}|${r.source}`, rng, { allocation: "equal" })
    : stratifiedSample(pool, n, (r) => `${r.lang}|${r.unsafe}|${r.categories[0] ?? "-"}`, rng, { minPerStratum })

/** Stratified seeded sample of seed rows to rewrite this iteration. */
export const sample = gameStage({
  name: "sample",
  inputs: (_t, game, seed) => ({
    pool: game.data.generationPool,
    config: configOf(game.config, "seedsPerIteration", "seedSampling"),
    random: streams(seed)
  }),
  outputs: () => [ITER.seeds],
  run: ({ pool, config, random }, { t, dir }) =>
    Effect.suspend(() => ITER.seeds.write(dir, sampleSeeds(pool, config.seedSampling, config.seedsPerIteration, random.rng(stream("sample", t)), 2)))
})

/** Proposals: the reference policy π_{t-1} picks programs for the seeds, the operators run them. */
export const generate = gameStage({
  name: "generate",
  inputs: (t, game, seed) => ({
    seeds: file(ITER.seeds, game.iterDir(t)),
    policy: file(ITER.policy, game.iterDir(t - 1)),
    operators: game.data.operators,
    programs: game.data.programs,
    config: configOf(game.config, "proposalsPerSeed", "temperature"),
    random: streams(seed)
  }),
  outputs: () => [ITER.proposals],
  run: (i, { t, dir }) =>
    Effect.gen(function* () {
      const { registry, available } = i.operators
      const policy = Policy.fromWeights(i.policy)
      const actions = sampleActions(policy, registry, i.seeds, i.config.proposalsPerSeed, i.config.temperature, i.random.rng(stream("actions", t)), available, i.programs)
      policy.dispose()
      const proposals = yield* runPrograms(registry, i.seeds, actions, i.config.proposalsPerSeed, t, i.random.rng(stream("programs", t)), i.programs)
      yield* ITER.proposals.write(dir, proposals)
    })
})

/**
 * What the filter knows of the run: the seeds' texts (and labels, when the agreement rule is
 * on), every text the guard already trains on (seed rows, synthetic rows of earlier
 * iterations) and the benchmark texts.
 */
const filterInputs = (t: number, game: GameService) => ({
  seedRows: game.data.seedRows,
  earlierSynthetic: files(ITER.synthetic, iterations(game, 1, t - 1)),
  contamination: game.data.contamination,
  rule: configOf(game.config, "requireSeedLabel")
})

const filterContext = (i: ValuesOf<ReturnType<typeof filterInputs>>): FilterContext => {
  const knownKeys = new Set<string>()
  for (const r of i.seedRows.values()) knownKeys.add(matchKey(r.text))
  for (const r of i.earlierSynthetic.flat()) knownKeys.add(matchKey(r.text))
  return {
    seedText: (id) => i.seedRows.get(id)!.text,
    seedUnsafe: i.rule.requireSeedLabel ? (id) => i.seedRows.get(id)!.unsafe : undefined,
    knownKeys,
    contamination: i.contamination
  }
}

export const filter = gameStage({
  name: "filter",
  inputs: (t, game) => ({ proposals: file(ITER.proposals, game.iterDir(t)), ...filterInputs(t, game) }),
  outputs: () => [ITER.candidates, ITER.filter],
  run: (i, { dir }) =>
    Effect.gen(function* () {
      const rows = yield* filterProposals(i.proposals, filterContext(i))
      yield* ITER.candidates.write(dir, rows)
      yield* ITER.filter.write(dir, dropCounts(rows))
    })
})

/** Classify kept candidates with a guard; `fooled` = its verdict disagrees with the proposal's label. */
const judgeWith = (g: Guard, rows: ReadonlyArray<CandidateRow>) =>
  Effect.map(g.classify(rows.map((r) => r.text!)), (preds) =>
    rows.map((r, i): JudgedRow => ({ ...r, text: r.text!, p_unsafe: preds[i].unsafe, fooled: preds[i].flagged !== r.unsafe }))
  )

/** The kept candidates, as guard_{t-1} sees them. */
export const judge = gameStage({
  name: "judge",
  inputs: (t, game) => ({ candidates: file(ITER.candidates, game.iterDir(t)), guard: guard(ITER.guard.at(game.iterDir(t - 1))) }),
  outputs: () => [ITER.judged],
  run: (i, { dir }) => Effect.flatMap(judgeWith(i.guard, i.candidates.filter((c) => c.dropped === "")), (rows) => ITER.judged.write(dir, rows))
})

/**
 * DPO step: π_t from π_{t-1} on the iteration's preference pairs. Chosen = a kept proposal the
 * guard got wrong; rejected = one it got right, or one the filters dropped (a rewrite that is
 * broken, off-language or a benchmark copy fools nobody), so the generator also learns validity.
 */
export const dpo = gameStage({
  name: "dpo",
  inputs: (t, game, seed) => ({
    seeds: file(ITER.seeds, game.iterDir(t)),
    candidates: file(ITER.candidates, game.iterDir(t)),
    judged: file(ITER.judged, game.iterDir(t)),
    reference: file(ITER.policy, game.iterDir(t - 1)),
    operators: game.data.operators,
    programs: game.data.programs,
    config: configOf(game.config, "dpo"),
    random: streams(seed)
  }),
  outputs: () => [ITER.policy, ITER.dpo, ITER.preferences],
  run: (i, { t, dir }) =>
    Effect.gen(function* () {
      const { dpo: config } = i.config
      const reference = Policy.fromWeights(i.reference)
      const policy = reference.clone()
      const index = new Map(i.seeds.map((s, k) => [s.id, k]))
      const fooled = new Map(i.judged.map((j) => [j.id, j.fooled]))
      const proposals: Array<JudgedProposal> = i.candidates
        .filter((c) => c.dropped === "" || config.rejectFiltered)
        .map((c) => ({ seedIndex: index.get(c.seed_id)!, action: actionOf(c), fooled: fooled.get(c.id) ?? false }))
      const pairs = buildPairs(proposals, config.maxPairsPerSeed, i.random.rng(stream("pairs", t)))
      const mask = i.programs.feasibility(i.operators.registry, i.seeds.map((s) => s.lang), i.operators.available)
      const stats = trainDpo(policy, reference, seedFeatureMatrix(i.seeds), SEED_FEATURE_DIM, pairs, config, i.random.rng(stream("dpo", t)), mask)
      yield* ITER.policy.write(dir, policy.toWeights())
      yield* ITER.dpo.write(dir, stats)
      // Preference pairs in TRL's DPO format, for fine-tuning an LLM generator elsewhere.
      yield* ITER.preferences.write(dir, trlPairs(i.seeds, i.judged))
      policy.dispose()
      reference.dispose()
    })
})

/** `{prompt, chosen, rejected}` lines: prompt = the seed, chosen = a rewrite that fooled the guard. */
const trlPairs = (seeds: ReadonlyArray<Example>, judged: ReadonlyArray<JudgedRow>): string => {
  const lines: Array<string> = []
  for (const s of seeds) {
    const mine = judged.filter((j) => j.seed_id === s.id)
    const chosen = mine.filter((j) => j.fooled)
    const rejected = mine.filter((j) => !j.fooled)
    for (let i = 0; i < Math.min(chosen.length, rejected.length); i++) {
      lines.push(JSON.stringify({ prompt: `Rewrite this text (${chosen[i].program}):\n${s.text}`, chosen: chosen[i].text, rejected: rejected[i].text }))
    }
  }
  return lines.length > 0 ? `${lines.join("\n")}\n` : ""
}

/**
 * The evidence that the generator learns: on a fresh seed sample, proposals of π_t fool the
 * same fixed guard (guard_{t-1}) more often than proposals of the reference π_{t-1}.
 */
export const fooling = gameStage({
  name: "fooling",
  inputs: (t, game, seed) => ({
    reference: file(ITER.policy, game.iterDir(t - 1)),
    updated: file(ITER.policy, game.iterDir(t)),
    guard: guard(ITER.guard.at(game.iterDir(t - 1))),
    pool: game.data.generationPool,
    operators: game.data.operators,
    programs: game.data.programs,
    ...filterInputs(t, game),
    config: configOf(game.config, "foolingSeeds", "seedSampling", "temperature"),
    random: streams(seed)
  }),
  outputs: () => [ITER.fooling],
  run: (i, { t, dir }) =>
    Effect.gen(function* () {
      const seeds = sampleSeeds(i.pool, i.config.seedSampling, i.config.foolingSeeds, i.random.rng(stream("fooling-sample", t)))
      const ctx = filterContext(i)
      const rate = (weights: typeof i.reference, name: string) =>
        Effect.gen(function* () {
          const policy = Policy.fromWeights(weights)
          // The same stream for both policies: the comparison differs only by the policy.
          const actions = sampleActions(policy, i.operators.registry, seeds, 2, i.config.temperature, i.random.rng(stream("fooling-actions", t)), i.operators.available, i.programs)
          policy.dispose()
          const proposals = yield* runPrograms(i.operators.registry, seeds, actions, 2, t, i.random.rng(stream("fooling-programs", t)), i.programs)
          const kept = (yield* filterProposals(proposals, ctx)).filter((r) => r.dropped === "")
          const fooled = (yield* judgeWith(i.guard, kept)).filter((j) => j.fooled).length
          // rate: per proposal (a dropped rewrite fools nobody); ratePerKept: among kept ones.
          return { policy: name, proposals: proposals.length, kept: kept.length, fooled, rate: fooled / proposals.length, ratePerKept: kept.length > 0 ? fooled / kept.length : 0 }
        })
      const reference = yield* rate(i.reference, "reference")
      const updated = yield* rate(i.updated, "updated")
      yield* ITER.fooling.write(dir, { guard: iterName(t - 1), seeds: seeds.length, reference, updated })
    })
})

/** Misclassified proposals join the guard's training data (the paper keeps only those). */
export const synthesize = gameStage({
  name: "synthesize",
  inputs: (t, game, seed) => ({
    judged: file(ITER.judged, game.iterDir(t)),
    seedRows: game.data.seedRows,
    config: configOf(game.config, "syntheticValidationPercent"),
    random: streams(seed)
  }),
  outputs: () => [ITER.synthetic],
  run: (i, { t, dir }) =>
    Effect.suspend(() => {
      const rows: Array<Example> = i.judged
        .filter((j) => j.fooled)
        .map((j) => {
          const parent = i.seedRows.get(j.seed_id)!
          return {
            id: j.id,
            text: j.text,
            lang: j.lang as Example["lang"],
            unsafe: j.unsafe,
            categories: [...j.categories],
            source: `selfplay:${parent.source}`,
            license: parent.license,
            // A seeded slice is held out: early stopping and calibration then see the game's
            // distribution too, not only the seed's genres (never the benchmarks).
            split: i.random.derive(`synthetic-split/${j.id}`) % 100 < i.config.syntheticValidationPercent ? "validation" : "train",
            origin: "synthetic",
            parent_id: parent.id,
            iteration: t
          }
        })
      return ITER.synthetic.write(dir, rows)
    })
})

// ─── the guard ────────────────────────────────────────────────────────────────────────────

/** sha256 of every file under a folder, by relative path (sorted). */
const folderHashes = (dir: string): Record<string, string> =>
  Object.fromEntries(
    (fs.readdirSync(dir, { recursive: true }) as Array<string>)
      .filter((f) => fs.statSync(path.join(dir, f)).isFile())
      .sort()
      .map((f) => [f, sha256File(path.join(dir, f))])
  )

/** What training a guard reads: the seed rows it trains on, the game's rows of iterations 1..t, the lexicon and pieces. */
const trainInputs = (t: number, game: GameService, seed: SeedService) => ({
  rows: game.data.trainRows,
  seedRows: game.data.seedRows,
  synthetic: files(ITER.synthetic, iterations(game, 1, t)),
  lexicon: game.data.lexicon,
  pieces: game.data.pieces,
  config: configOf(game.config, "guard", "externalTrainer", "runId"),
  random: streams(seed),
  // How the game's rows are weighed: guards trained before the calibration model was made
  // blind to rewrites of its held-out sources differ.
  rules: setting({ balance: SELFPLAY_SOURCE, ...(t > 0 ? { calibrationBlindTo: "rewrites of calibration sources" } : {}) }),
  // The guard's manifest names its input files (relative to the repository).
  provenance: setting(
    [game.paths.seedFile, ...game.data.lexicon.files, ...game.data.pieces.files, ...iterations(game, 1, t).map(ITER.synthetic.at)].map((f) => path.relative(game.paths.repoRoot, f))
  )
})

type TrainValues = ValuesOf<ReturnType<typeof trainInputs>>

/**
 * The external trainer's turn (external-trainer.ts): the iteration's rows and settings go out, a
 * guard folder comes back, and it replaces iter-t/guard only once it loads and scores texts.
 */
const trainExternally = (i: TrainValues, { t, dir, repoRoot }: At) =>
  Effect.gen(function* () {
    const spec = i.config.externalTrainer!
    const rows = [...i.rows.train, ...i.rows.validation, ...i.synthetic.flat()]
    const out = path.join(dir, "guard.trainer-out")
    fs.rmSync(out, { recursive: true, force: true })
    yield* ITER.trainerTable.write(dir, rows)
    yield* ITER.trainerSettings.write(dir, {
      runId: i.config.runId,
      iteration: t,
      seed: i.random.derive("guard"),
      table: ITER.trainerTable.at(dir),
      out,
      rows: { train: rows.filter((r) => r.split === "train").length, validation: rows.filter((r) => r.split === "validation").length },
      categories: CATEGORY_IDS,
      guard: i.config.guard
    })
    const log = path.join(dir, ITER.trainerLog)
    yield* runExternalTrainer(spec, { table: ITER.trainerTable.at(dir), settings: ITER.trainerSettings.at(dir), out, log, cwd: repoRoot })
    const backend = yield* checkTrainedGuard(out, i.rows.validation.slice(0, 16).map((r) => r.text))
    const guardDir = ITER.guard.at(dir)
    const old = `${guardDir}.old-${process.pid}`
    if (fs.existsSync(guardDir)) fs.renameSync(guardDir, old)
    fs.renameSync(out, guardDir)
    fs.rmSync(old, { recursive: true, force: true })
    yield* ITER.trainerResult.write(dir, { command: spec.command, format: isOnnxGuardDir(guardDir) ? "onnx" : "tfjs", backend, files: folderHashes(guardDir) })
  })

/**
 * A resumed run must not go on with a guard folder changed since the trainer wrote it (the
 * stage's marker covers trainer/result.json, which holds the folder's hashes).
 */
const checkExternalGuard = (dir: string) =>
  Effect.gen(function* () {
    const guardDir = ITER.guard.at(dir)
    const result = ITER.trainerResult.at(dir)
    const { files: written } = yield* ITER.trainerResult.read(dir).pipe(Effect.mapError((e) => new StageError({ stage: "train-guard", dir, reason: e.message })))
    const now = fs.existsSync(guardDir) ? folderHashes(guardDir) : {}
    if (stableJson(now) !== stableJson(written)) {
      return yield* new StageError({ stage: "train-guard", dir, reason: `${guardDir} differs from what the external trainer wrote (${result}); delete ${result} to train again` })
    }
  })

/**
 * Retrain the guard from scratch on seed ∪ synthetic_1..t (as the paper does); validation =
 * the seed's validation split ∪ the held-out slice of the synthetic rows.
 */
export const train = gameStage({
  name: "train-guard",
  inputs: trainInputs,
  outputs: (config) => (config.externalTrainer !== undefined ? [ITER.trainerTable, ITER.trainerSettings, ITER.trainerResult] : [ITER.guard]),
  run: (i, at) =>
    Effect.if(i.config.externalTrainer !== undefined, {
      onTrue: () => trainExternally(i, at),
      onFalse: () =>
        Effect.gen(function* () {
          // The same init seed every iteration: guards differ by their data alone. The synthetic
          // rows are one balancing source (guard-rows.ts).
          const { train, validation } = guardRows(i.rows.train, i.rows.validation, i.synthetic.flat(), i.seedRows)
          const trained = yield* trainGuard(train, validation, i.config.guard, i.random.derive("guard"), i.lexicon, i.pieces)
          yield* saveGuard(trained, ITER.guard.at(at.dir), {
            createdBy: `pipelines/selfplay.ts (run ${i.config.runId}, iteration ${at.t})`,
            inputs: i.provenance.map((f) => ({ path: f, sha256: sha256File(path.resolve(at.repoRoot, f)) }))
          })
        })
    }),
  after: (config, at) => (config.externalTrainer !== undefined ? checkExternalGuard(at.dir) : Effect.void)
})

/** Table 1 of guard_t (benchmarks are scored here and nowhere else in the loop). */
export const evaluate = gameStage({
  name: "evaluate",
  inputs: (t, game) => ({
    guard: guard(ITER.guard.at(game.iterDir(t))),
    benchmarks: fromFiles([game.paths.benchmarksFile], Effect.succeed(game.paths.benchmarksFile))
  }),
  // The whole report folder: table, predictions, charts, manifest.
  outputs: () => [ITER.eval],
  run: (i, { dir, repoRoot }) =>
    runEvaluation(i.guard, { repoRoot, modelDir: ITER.guard.at(dir), benchmarksFile: i.benchmarks, outDir: ITER.eval.at(dir) })
})

/** The generalization check of guard_t: held-out sources and everyday text (src/eval/generalization.ts). */
export const generalization = gameStage({
  name: "generalization",
  inputs: (t, game) => ({ guard: guard(ITER.guard.at(game.iterDir(t))), heldOut: game.data.heldOut }),
  outputs: () => [ITER.generalization],
  run: (i, { dir }) => Effect.flatMap(generalizationCheck(i.guard.classify, i.heldOut), (check) => ITER.generalization.write(dir, check))
})

// ─── the cross-lingual check (not a benchmark) ──────────────────────────────────────────────

/**
 * The check's rows (src/eval/crosslingual.ts), translated once per run into the run folder;
 * null, with a warning, when Apertium is not installed. The Apertium packages missing are an
 * input, so installing them later redoes the stage instead of keeping the skip.
 */
export const crosslingualDev = gameStage({
  name: "crosslingual-dev",
  perRun: true,
  inputs: (_t, game) => ({
    seedRows: game.data.seedRows,
    apertiumMissing: setting([...new Set(CROSSLINGUAL_LANGS.flatMap((l) => missingFor(route("en", l)!)))].sort())
  }),
  outputs: () => [RUN.crosslingualDev],
  run: (i, { dir }) =>
    buildCrosslingualDev([...i.seedRows.values()]).pipe(
      Effect.catchTag("OperatorUnavailable", (e) => Effect.as(Effect.logWarning(`cross-lingual check skipped: ${e.message}`), null)),
      Effect.flatMap((rows) => RUN.crosslingualDev.write(dir, rows))
    )
})

/** guard_t on the cross-lingual check's rows: for the run report, used for no choice. */
export const crosslingual = gameStage({
  name: "crosslingual",
  inputs: (t, game) => ({ guard: guard(ITER.guard.at(game.iterDir(t))), dev: file(RUN.crosslingualDev, game.paths.runDir) }),
  outputs: () => [ITER.crosslingual],
  run: ({ guard, dev }, { dir }) =>
    Effect.gen(function* () {
      const scores = dev === null ? null : summarize(dev, (yield* guard.classify(dev.map((r) => r.text))).map((p) => p.unsafe))
      yield* ITER.crosslingual.write(dir, scores)
    })
})

/** The cross-lingual check of guard_t, its rows made first if need be. */
export const crosslingualCheck = (t: number) => Effect.zipRight(crosslingualDev(t), crosslingual(t))

/** Every stage of the game, in the order an iteration plays them. */
export const GAME_STAGES = [initPolicy, sample, generate, filter, judge, dpo, fooling, synthesize, train, crosslingualDev, crosslingual, generalization, evaluate] as const
