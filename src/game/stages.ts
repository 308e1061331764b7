/**
 * The stages of the two-player game. Each reads and writes files under runs/<id>/iter-<t>/
 * through `stage` (atomic outputs, done markers, resume), and asks for its own named random
 * stream, so adding a stage never changes another stage's samples.
 *
 *   seeds ─generate→ proposals ─filter→ candidates ─judge(guard_{t-1})→ judged
 *   judged ─pairs→ DPO → policy_t        judged(fooled) → synthetic_t
 *   seed ∪ synthetic_1..t ─train→ guard_t ─evaluate→ eval/
 */
import { generalizationCheck, HOLDOUT_RULE } from "../eval/generalization.ts"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { Example } from "../../schemas/index.ts"
import { matchKey } from "../data/normalize.ts"
import { readRows, readParquet, rowsToTable, tableToRows, writeFileAtomic, writeParquet } from "../data/parquet.ts"
import { stratifiedSample } from "../data/sample.ts"
import { EXAMPLE_COLUMNS } from "../data/tables.ts"
import { missingFor, route } from "../language/apertium.ts"
import { buildCrosslingualDev, CROSSLINGUAL_LANGS, summarize, type DevRow } from "../eval/crosslingual.ts"
import { runEvaluation } from "../eval/pipeline.ts"
import { readTable1Json } from "../eval/report.ts"
import { buildPairs, trainDpo, type JudgedProposal } from "../generator/dpo-train.ts"
import { Policy, type PolicyWeights } from "../generator/policy.ts"
import { SEED_FEATURE_DIM, seedFeatureMatrix } from "../generator/seed-features.ts"
import { loadGuard, type Guard } from "../guard/guard.ts"
import { isOnnxGuardDir } from "../guard/onnx/folder.ts"
import { onnxFolderHash } from "../guard/onnx/served.ts"
import { saveGuard } from "../guard/storage.ts"
import { trainGuard } from "../guard/train.ts"
import type { Rng } from "../runtime/rng.ts"
import { Seed } from "../runtime/seed.ts"
import { CATEGORY_IDS } from "../../schemas/taxonomy.ts"
import { Game, type GameService } from "./context.ts"
import { checkTrainedGuard, runExternalTrainer } from "./external-trainer.ts"
import { dropCounts, filterProposals, type FilterContext, type FilteredRow } from "./filter.ts"
import { actionOf, PROPOSAL_COLUMNS, runPrograms, sampleActions, type ProposalRow } from "../generator/proposals.ts"
import { sha256File, stableJson, stage, StageError } from "./stage.ts"

const FILTERED_COLUMNS = { ...PROPOSAL_COLUMNS, dropped: "utf8" } as const
const JUDGED_COLUMNS = { ...FILTERED_COLUMNS, p_unsafe: "float64", fooled: "bool" } as const

export interface JudgedRow extends FilteredRow {
  readonly p_unsafe: number
  readonly fooled: boolean
}

const readTable = <T>(file: string) => Effect.map(readParquet(file), (t) => tableToRows(t) as unknown as Array<T>)
const readJson = <T>(file: string) => Effect.sync(() => JSON.parse(fs.readFileSync(file, "utf8")) as T)
const writeJson = (file: string, value: unknown) => writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`)
const hashOf = (file: string) => (fs.existsSync(file) ? sha256File(file) : "missing")

// ─── iteration 0 ────────────────────────────────────────────────────────────────────────────

/** The generator's starting policy π_0 (random init from the run's seed). */
export const initPolicy = Effect.gen(function* () {
  const game = yield* Game
  const seed = yield* Seed
  const dir = game.iterDir(0)
  return yield* stage({
    name: "init-policy",
    dir,
    key: { hidden: game.config.policy.hidden, heads: game.programs.heads, seed: seed.root },
    outputs: ["policy.json"],
    run: Effect.suspend(() => {
      const policy = Policy.init({ inputDim: SEED_FEATURE_DIM, hidden: game.config.policy.hidden, heads: game.programs.heads }, seed.rng("policy-init"))
      const w = policy.toWeights()
      policy.dispose()
      return writeJson(path.join(dir, "policy.json"), w)
    }),
    load: Effect.succeed(path.join(dir, "policy.json"))
  })
})

// ─── one self-play iteration ──────────────────────────────────────────────────────────────

/**
 * Seeds to rewrite, seeded. "per-source": every (language, label, source) group gets an equal
 * share — by rows the seed is mostly posts, and proportional sampling drew 35 harmful requests
 * out of 2,500 seeds, so the game almost never turned one into French or Spanish.
 * "proportional": each (language, label, first category) keeps its share of the rows.
 */
const sampleGenerationSeeds = (game: GameService, n: number, rng: Rng, minPerStratum = 0) =>
  game.config.seedSampling === "per-source"
    ? stratifiedSample(game.generationPool, n, (r) => `${r.lang}|${r.unsafe}|${r.source}`, rng, { allocation: "equal" })
    : stratifiedSample(game.generationPool, n, (r) => `${r.lang}|${r.unsafe}|${r.categories[0] ?? "-"}`, rng, { minPerStratum })

/** Stratified seeded sample of seed rows to rewrite this iteration. */
export const sampleSeeds = (t: number) =>
  Effect.gen(function* () {
    const game = yield* Game
    const seed = yield* Seed
    const dir = game.iterDir(t)
    const file = path.join(dir, "seeds.parquet")
    return yield* stage({
      name: "sample",
      dir,
      key: {
        n: game.config.seedsPerIteration,
        langs: game.config.seedLanguages,
        sampling: game.config.seedSampling,
        seed: seed.root,
        pool: game.generationPool.length
      },
      outputs: ["seeds.parquet"],
      run: Effect.suspend(() => {
        const rows = sampleGenerationSeeds(game, game.config.seedsPerIteration, seed.rng(`sample/iter-${t}`), 2)
        return writeParquet(file, rowsToTable(rows, EXAMPLE_COLUMNS))
      }),
      load: readRows(Example, file)
    })
  })

/** The reference policy of iteration t is the policy at its start: π_{t-1}. */
const policyFile = (dir: string) => path.join(dir, "policy.json")

const loadPolicy = (file: string) => Effect.map(readJson<PolicyWeights>(file), Policy.fromWeights)

export const generate = (t: number, seeds: ReadonlyArray<Example>) =>
  Effect.gen(function* () {
    const game = yield* Game
    const seed = yield* Seed
    const dir = game.iterDir(t)
    const file = path.join(dir, "proposals.parquet")
    const refFile = policyFile(game.iterDir(t - 1))
    return yield* stage({
      name: "generate",
      dir,
      key: {
        seeds: hashOf(path.join(dir, "seeds.parquet")),
        policy: hashOf(refFile),
        k: game.config.proposalsPerSeed,
        temperature: game.config.temperature,
        operators: [...game.available].sort(),
        // Another endpoint or model writes other rewrites.
        ...(game.config.llmUrl !== null ? { llm: { url: game.config.llmUrl, ...game.config.llm } } : {})
      },
      outputs: ["proposals.parquet"],
      run: Effect.gen(function* () {
        const policy = yield* loadPolicy(refFile)
        const actions = sampleActions(policy, game.registry, seeds, game.config.proposalsPerSeed, game.config.temperature, seed.rng(`actions/iter-${t}`), game.available, game.programs)
        policy.dispose()
        const proposals = yield* runPrograms(game.registry, seeds, actions, game.config.proposalsPerSeed, t, seed.rng(`programs/iter-${t}`), game.programs)
        yield* writeParquet(file, rowsToTable(proposals, PROPOSAL_COLUMNS))
      }),
      load: readTable<ProposalRow>(file)
    })
  })

/** matchKeys of everything the guard trains on up to iteration t-1 (seed rows + synthetic rows). */
const knownKeys = (t: number) =>
  Effect.gen(function* () {
    const game = yield* Game
    const keys = new Set<string>()
    for (const r of game.seedById.values()) keys.add(matchKey(r.text))
    for (let i = 1; i < t; i++) for (const r of yield* readRows(Example, path.join(game.iterDir(i), "synthetic.parquet"))) keys.add(matchKey(r.text))
    return keys
  })

export const filter = (t: number, proposals: ReadonlyArray<ProposalRow>) =>
  Effect.gen(function* () {
    const game = yield* Game
    const dir = game.iterDir(t)
    const file = path.join(dir, "candidates.parquet")
    return yield* stage({
      name: "filter",
      dir,
      key: { proposals: hashOf(path.join(dir, "proposals.parquet")), requireSeedLabel: game.config.requireSeedLabel },
      outputs: ["candidates.parquet", "filter.json"],
      run: Effect.gen(function* () {
        const rows = yield* filterProposals(proposals, filterContext(game, yield* knownKeys(t)))
        yield* writeParquet(file, rowsToTable(rows, FILTERED_COLUMNS))
        yield* writeJson(path.join(dir, "filter.json"), dropCounts(rows))
      }),
      load: readTable<FilteredRow>(file)
    })
  })

/** The balancing source of every synthetic row (their `source` column keeps the parent's name). */
/** A saved guard's identity for stage keys: its verdicts depend on model.json (shift, features, lexicon) as well as the weights. */
const guardHash = (guardDir: string) =>
  isOnnxGuardDir(guardDir)
    ? `onnx:${onnxFolderHash(guardDir)}`
    : `${hashOf(path.join(guardDir, "model.json"))}:${hashOf(path.join(guardDir, "weights.bin"))}`

export const SELFPLAY_SOURCE = "selfplay"

/** What the filter needs to know of the run; the agreement rule only when the config asks for it. */
const filterContext = (game: GameService, knownKeys: ReadonlySet<string>): FilterContext => ({
  seedText: (id) => game.seedById.get(id)!.text,
  seedUnsafe: game.config.requireSeedLabel ? (id) => game.seedById.get(id)!.unsafe : undefined,
  knownKeys,
  contamination: game.contamination
})

/** Classify kept candidates with a guard; `fooled` = its verdict disagrees with the proposal's label. */
const judgeWith = (guard: Guard, rows: ReadonlyArray<FilteredRow>) =>
  Effect.map(guard.classify(rows.map((r) => r.text!)), (preds) =>
    rows.map((r, i): JudgedRow => ({ ...r, p_unsafe: preds[i].unsafe, fooled: preds[i].flagged !== r.unsafe }))
  )

export const judge = (t: number, candidates: ReadonlyArray<FilteredRow>) =>
  Effect.gen(function* () {
    const game = yield* Game
    const dir = game.iterDir(t)
    const file = path.join(dir, "judged.parquet")
    const guardDir = path.join(game.iterDir(t - 1), "guard")
    return yield* stage({
      name: "judge",
      dir,
      key: { candidates: hashOf(path.join(dir, "candidates.parquet")), guard: guardHash(guardDir) },
      outputs: ["judged.parquet"],
      run: Effect.scoped(
        Effect.gen(function* () {
          const guard = yield* loadGuard(guardDir)
          const judged = yield* judgeWith(guard, candidates.filter((c) => c.dropped === ""))
          yield* writeParquet(file, rowsToTable(judged, JUDGED_COLUMNS))
        })
      ),
      load: readTable<JudgedRow>(file)
    })
  })

/**
 * DPO step: π_t from π_{t-1} on the iteration's preference pairs. Chosen = a kept proposal the
 * guard got wrong; rejected = one it got right, or one the filters dropped (a rewrite that is
 * broken, off-language or a benchmark copy fools nobody), so the generator also learns validity.
 */
export const dpo = (t: number, seeds: ReadonlyArray<Example>, candidates: ReadonlyArray<FilteredRow>, judged: ReadonlyArray<JudgedRow>) =>
  Effect.gen(function* () {
    const game = yield* Game
    const seed = yield* Seed
    const dir = game.iterDir(t)
    const refFile = policyFile(game.iterDir(t - 1))
    return yield* stage({
      name: "dpo",
      dir,
      key: { judged: hashOf(path.join(dir, "judged.parquet")), candidates: hashOf(path.join(dir, "candidates.parquet")), policy: hashOf(refFile), dpo: game.config.dpo },
      outputs: ["policy.json", "dpo.json", "preferences.jsonl"],
      run: Effect.gen(function* () {
        const reference = yield* loadPolicy(refFile)
        const policy = reference.clone()
        const index = new Map(seeds.map((s, i) => [s.id, i]))
        const fooled = new Map(judged.map((j) => [j.id, j.fooled]))
        const proposals: Array<JudgedProposal> = candidates
          .filter((c) => c.dropped === "" || game.config.dpo.rejectFiltered)
          .map((c) => ({ seedIndex: index.get(c.seed_id)!, action: actionOf(c), fooled: fooled.get(c.id) ?? false }))
        const pairs = buildPairs(proposals, game.config.dpo.maxPairsPerSeed, seed.rng(`pairs/iter-${t}`))
        const mask = game.programs.feasibility(game.registry, seeds.map((s) => s.lang), game.available)
        const stats = trainDpo(policy, reference, seedFeatureMatrix(seeds), SEED_FEATURE_DIM, pairs, game.config.dpo, seed.rng(`dpo/iter-${t}`), mask)
        yield* writeJson(path.join(dir, "policy.json"), policy.toWeights())
        yield* writeJson(path.join(dir, "dpo.json"), stats)
        // Preference pairs in TRL's DPO format, for fine-tuning an LLM generator elsewhere.
        yield* writeFileAtomic(path.join(dir, "preferences.jsonl"), trlPairs(seeds, judged))
        policy.dispose()
        reference.dispose()
      }),
      load: readJson<{ pairs: number; lossFirstEpoch: number; lossLastEpoch: number; rewardAccuracy: number }>(path.join(dir, "dpo.json"))
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
export const foolingRates = (t: number) =>
  Effect.gen(function* () {
    const game = yield* Game
    const seed = yield* Seed
    const dir = game.iterDir(t)
    const refFile = policyFile(game.iterDir(t - 1))
    const newFile = policyFile(dir)
    const guardDir = path.join(game.iterDir(t - 1), "guard")
    return yield* stage({
      name: "fooling",
      dir,
      key: { ref: hashOf(refFile), updated: hashOf(newFile), guard: guardHash(guardDir), n: game.config.foolingSeeds, sampling: game.config.seedSampling, requireSeedLabel: game.config.requireSeedLabel },
      outputs: ["fooling.json"],
      run: Effect.scoped(
        Effect.gen(function* () {
          const seeds = sampleGenerationSeeds(game, game.config.foolingSeeds, seed.rng(`fooling-sample/iter-${t}`))
          const guard = yield* loadGuard(guardDir)
          const keys = yield* knownKeys(t)
          const rate = (file: string, name: string) =>
            Effect.gen(function* () {
              const policy = yield* loadPolicy(file)
              // The same stream for both policies: the comparison differs only by the policy.
              const actions = sampleActions(policy, game.registry, seeds, 2, game.config.temperature, seed.rng(`fooling-actions/iter-${t}`), game.available, game.programs)
              policy.dispose()
              const proposals = yield* runPrograms(game.registry, seeds, actions, 2, t, seed.rng(`fooling-programs/iter-${t}`), game.programs)
              const filtered = yield* filterProposals(proposals, filterContext(game, keys))
              const kept = filtered.filter((r) => r.dropped === "")
              const judged = yield* judgeWith(guard, kept)
              const fooled = judged.filter((j) => j.fooled).length
              // rate: per proposal (a dropped rewrite fools nobody); ratePerKept: among kept ones.
              return { policy: name, proposals: proposals.length, kept: kept.length, fooled, rate: fooled / proposals.length, ratePerKept: kept.length > 0 ? fooled / kept.length : 0 }
            })
          const reference = yield* rate(refFile, "reference")
          const updated = yield* rate(newFile, "updated")
          yield* writeJson(path.join(dir, "fooling.json"), { guard: `iter-${t - 1}`, seeds: seeds.length, reference, updated })
        })
      ),
      load: readJson<{ reference: { rate: number; kept: number; fooled: number }; updated: { rate: number; kept: number; fooled: number } }>(path.join(dir, "fooling.json"))
    })
  })

/** Misclassified proposals join the guard's training data (the paper keeps only those). */
export const synthesize = (t: number, judged: ReadonlyArray<JudgedRow>) =>
  Effect.gen(function* () {
    const game = yield* Game
    const seed = yield* Seed
    const dir = game.iterDir(t)
    const file = path.join(dir, "synthetic.parquet")
    return yield* stage({
      name: "synthesize",
      dir,
      key: { judged: hashOf(path.join(dir, "judged.parquet")), root: seed.root, heldOut: game.config.syntheticValidationPercent },
      outputs: ["synthetic.parquet"],
      run: Effect.suspend(() => {
        const rows: Array<Example> = judged
          .filter((j) => j.fooled)
          .map((j) => {
            const parent = game.seedById.get(j.seed_id)!
            return {
              id: j.id,
              text: j.text!,
              lang: j.lang as Example["lang"],
              unsafe: j.unsafe,
              categories: [...j.categories],
              source: `selfplay:${parent.source}`,
              license: parent.license,
              // A seeded slice is held out: early stopping and calibration then see the game's
              // distribution too, not only the seed's genres (never the benchmarks).
              split: seed.derive(`synthetic-split/${j.id}`) % 100 < game.config.syntheticValidationPercent ? "validation" : "train",
              origin: "synthetic",
              parent_id: parent.id,
              iteration: t
            }
          })
        return writeParquet(file, rowsToTable(rows, EXAMPLE_COLUMNS))
      }),
      load: readRows(Example, file)
    })
  })

// ─── the guard ────────────────────────────────────────────────────────────────────────────

const TRAINER_TABLE = "trainer/train.parquet"
const TRAINER_SETTINGS = "trainer/settings.json"
const TRAINER_RESULT = "trainer/result.json"

/** sha256 of every file under a folder, by relative path (sorted). */
const folderHashes = (dir: string): Record<string, string> =>
  Object.fromEntries(
    (fs.readdirSync(dir, { recursive: true }) as Array<string>)
      .filter((f) => fs.statSync(path.join(dir, f)).isFile())
      .sort()
      .map((f) => [f, sha256File(path.join(dir, f))])
  )

/**
 * The external trainer's turn (external-trainer.ts): the iteration's rows and settings go out, a
 * guard folder comes back, and it replaces iter-t/guard only once it loads and scores texts.
 */
const trainExternally = (t: number, synthFiles: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const game = yield* Game
    const seed = yield* Seed
    const spec = game.config.externalTrainer!
    const dir = game.iterDir(t)
    const synthetic: Array<Example> = []
    for (const f of synthFiles) synthetic.push(...(yield* readRows(Example, f)))
    const rows = [...game.seedTrain, ...game.seedValidation, ...synthetic]
    fs.mkdirSync(path.join(dir, "trainer"), { recursive: true })
    const table = path.join(dir, TRAINER_TABLE)
    const settingsFile = path.join(dir, TRAINER_SETTINGS)
    const out = path.join(dir, "guard.trainer-out")
    fs.rmSync(out, { recursive: true, force: true })
    yield* writeParquet(table, rowsToTable(rows, EXAMPLE_COLUMNS))
    yield* writeJson(settingsFile, {
      runId: game.config.runId,
      iteration: t,
      seed: seed.derive("guard"),
      table,
      out,
      rows: { train: rows.filter((r) => r.split === "train").length, validation: rows.filter((r) => r.split === "validation").length },
      // Output i of the model is category C(i+1); unsafe = max sigmoid, flagged when > 0.5.
      categories: CATEGORY_IDS,
      guard: game.config.guard
    })
    yield* runExternalTrainer(spec, { table, settings: settingsFile, out, log: path.join(dir, "trainer", "trainer.log"), cwd: game.paths.repoRoot })
    const backend = yield* checkTrainedGuard(out, game.seedValidation.slice(0, 16).map((r) => r.text))
    const guardDir = path.join(dir, "guard")
    const old = `${guardDir}.old-${process.pid}`
    if (fs.existsSync(guardDir)) fs.renameSync(guardDir, old)
    fs.renameSync(out, guardDir)
    fs.rmSync(old, { recursive: true, force: true })
    yield* writeJson(path.join(dir, TRAINER_RESULT), {
      command: spec.command,
      format: isOnnxGuardDir(guardDir) ? "onnx" : "tfjs",
      backend,
      files: folderHashes(guardDir)
    })
  })

/**
 * A resumed run must not go on with a guard folder changed since the trainer wrote it (the
 * stage's marker covers trainer/result.json, which holds the folder's hashes).
 */
const checkExternalGuard = (dir: string) =>
  Effect.gen(function* () {
    const guardDir = path.join(dir, "guard")
    const { files } = yield* readJson<{ files: Record<string, string> }>(path.join(dir, TRAINER_RESULT))
    const now = fs.existsSync(guardDir) ? folderHashes(guardDir) : {}
    if (stableJson(now) !== stableJson(files)) {
      return yield* new StageError({
        stage: "train-guard",
        dir,
        reason: `${guardDir} differs from what the external trainer wrote (${TRAINER_RESULT}); delete ${TRAINER_RESULT} to train again`
      })
    }
    return guardDir
  })

/**
 * Retrain the guard from scratch on seed ∪ synthetic_1..t (as the paper does); validation =
 * the seed's validation split ∪ the held-out slice of the synthetic rows.
 */
export const trainGuardStage = (t: number) =>
  Effect.gen(function* () {
    const game = yield* Game
    const seed = yield* Seed
    const dir = game.iterDir(t)
    const synthFiles = Array.from({ length: t }, (_, i) => path.join(game.iterDir(i + 1), "synthetic.parquet"))
    return yield* stage({
      name: "train-guard",
      dir,
      key: {
        seed: hashOf(game.paths.seedFile),
        synthetic: synthFiles.map(hashOf),
        guard: game.config.guard,
        ...(game.lexicon !== null ? { lexicon: hashOf(game.paths.lexiconFile) } : {}),
        root: seed.root,
        cap: game.config.maxSeedTrainRows,
        langs: game.config.seedLanguages,
        balance: SELFPLAY_SOURCE,
        // Guards trained before the calibration model was made blind to rewrites of its held-out sources differ.
        ...(synthFiles.length > 0 ? { calibrationBlindTo: "rewrites of calibration sources" } : {}),
        ...(game.config.externalTrainer !== undefined ? { externalTrainer: game.config.externalTrainer } : {})
      },
      outputs: game.config.externalTrainer !== undefined
        ? [TRAINER_TABLE, TRAINER_SETTINGS, TRAINER_RESULT]
        : ["guard/model.json", "guard/weights.bin", "guard/manifest.json"],
      run: Effect.if(game.config.externalTrainer !== undefined, { onTrue: () => trainExternally(t, synthFiles), onFalse: () => Effect.gen(function* () {
        const synthetic: Array<Example> = []
        for (const f of synthFiles) synthetic.push(...(yield* readRows(Example, f)))
        // The same init seed every iteration: guards differ by their data alone.
        // For source balancing (every (source, language, label) group gets equal weight) all of
        // the game's rows are ONE source: keyed by their parents' ~30 sources they would form ~60
        // groups, each weighing as much as a whole real dataset, and drown the seed data.
        const asOneSource = (r: Example) => ({ ...r, source: SELFPLAY_SOURCE, derivedFrom: game.seedById.get(r.parent_id ?? "")?.source })
        const train = [...game.seedTrain, ...synthetic.filter((r) => r.split === "train").map(asOneSource)]
        const validation = [...game.seedValidation, ...synthetic.filter((r) => r.split === "validation").map(asOneSource)]
        const trained = yield* trainGuard(train, validation, game.config.guard, seed.derive("guard"), game.lexicon)
        const rel = (f: string) => path.relative(game.paths.repoRoot, f)
        yield* saveGuard(trained, path.join(dir, "guard"), {
          createdBy: `pipelines/selfplay.ts (run ${game.config.runId}, iteration ${t})`,
          inputs: [game.paths.seedFile, ...(game.lexicon !== null ? [game.paths.lexiconFile] : []), ...synthFiles].map((f) => ({ path: rel(f), sha256: sha256File(f) }))
        })
      }) }),
      load: game.config.externalTrainer !== undefined ? checkExternalGuard(dir) : Effect.succeed(path.join(dir, "guard"))
    })
  })

/** Table 1 of guard_t (benchmarks are scored here and nowhere else in the loop). */
export const evaluate = (t: number) =>
  Effect.gen(function* () {
    const game = yield* Game
    const dir = game.iterDir(t)
    const guardDir = path.join(dir, "guard")
    return yield* stage({
      name: "evaluate",
      dir,
      key: { guard: guardHash(guardDir), benchmarks: hashOf(game.paths.benchmarksFile) },
      // The whole report folder: table, predictions, charts, manifest.
      outputs: ["eval/"],
      run: Effect.scoped(
        Effect.gen(function* () {
          const guard = yield* loadGuard(guardDir)
          yield* runEvaluation(guard, { repoRoot: game.paths.repoRoot, modelDir: guardDir, benchmarksFile: game.paths.benchmarksFile, outDir: path.join(dir, "eval") })
        })
      ),
      load: readTable1Json(path.join(dir, "eval", "table1.json"))
    })
  })


export const GENERALIZATION_FILE = "generalization.json"

/** The generalization check of guard_t: held-out sources and everyday text (src/eval/generalization.ts). */
export const generalization = (t: number) =>
  Effect.gen(function* () {
    const game = yield* Game
    const dir = game.iterDir(t)
    const guardDir = path.join(dir, "guard")
    return yield* stage({
      name: "generalization",
      dir,
      key: { guard: guardHash(guardDir), seed: hashOf(game.paths.seedFile), heldOut: HOLDOUT_RULE },
      outputs: [GENERALIZATION_FILE],
      run: Effect.scoped(
        Effect.gen(function* () {
          const guard = yield* loadGuard(guardDir)
          const check = yield* generalizationCheck(guard.classify, game.heldOut)
          yield* writeFileAtomic(path.join(dir, GENERALIZATION_FILE), `${JSON.stringify(check, null, 2)}\n`)
        })
      ),
      load: Effect.void
    })
  })

// ─── the cross-lingual check (not a benchmark) ──────────────────────────────────────────────

const DEV_FILE = "crosslingual-dev.json"

/**
 * The check's rows (src/eval/crosslingual.ts), translated once per run into the run folder;
 * null, with a warning, when Apertium is not installed. The key names the Apertium packages
 * missing, so installing them later redoes the stage instead of keeping the skip.
 */
const crosslingualDev = Effect.gen(function* () {
  const game = yield* Game
  const file = path.join(game.paths.runDir, DEV_FILE)
  return yield* stage({
    name: "crosslingual-dev",
    dir: game.paths.runDir,
    key: { seed: hashOf(game.paths.seedFile), apertiumMissing: [...new Set(CROSSLINGUAL_LANGS.flatMap((l) => missingFor(route("en", l)!)))].sort() },
    outputs: [DEV_FILE],
    run: Effect.gen(function* () {
      const rows = yield* buildCrosslingualDev([...game.seedById.values()]).pipe(
        Effect.catchTag("OperatorUnavailable", (e) =>
          Effect.as(Effect.logWarning(`cross-lingual check skipped: ${e.message}`), null)
        )
      )
      yield* writeFileAtomic(file, JSON.stringify(rows))
    }),
    load: Effect.sync(() => JSON.parse(fs.readFileSync(file, "utf8")) as ReadonlyArray<DevRow> | null)
  })
})

/** guard_t on the cross-lingual check: for the run report, used for no choice. */
export const crosslingualCheck = (t: number) =>
  Effect.gen(function* () {
    const game = yield* Game
    const rows = yield* crosslingualDev
    const dir = game.iterDir(t)
    const guardDir = path.join(dir, "guard")
    return yield* stage({
      name: "crosslingual",
      dir,
      key: { guard: guardHash(guardDir), dev: hashOf(path.join(game.paths.runDir, DEV_FILE)) },
      outputs: ["crosslingual.json"],
      run: Effect.scoped(
        Effect.gen(function* () {
          const scores = rows === null
            ? null
            : summarize(rows, (yield* Effect.flatMap(loadGuard(guardDir), (g) => g.classify(rows.map((r) => r.text)))).map((p) => p.unsafe))
          yield* writeFileAtomic(path.join(dir, "crosslingual.json"), `${JSON.stringify(scores, null, 2)}\n`)
        })
      ),
      load: Effect.void
    })
  })
