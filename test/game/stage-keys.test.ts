/**
 * Every stage of the game resumes only from what it read: its resume key is made of its
 * declared inputs (stage.ts), and changing any of them re-runs it. Shown on a tiny run folder
 * for every stage's declared files, and end to end for the filter and a new benchmarks file
 * (its key once forgot the contamination index, so a rerun kept stale, unfiltered candidates).
 */
import { Context, Effect, Exit, Layer, Schema, Scope } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { BenchmarkRow, Example } from "../../schemas/index.ts"
import { rowsToTable, writeParquet } from "../../src/data/parquet.ts"
import { BENCHMARK_COLUMNS, EXAMPLE_COLUMNS } from "../../src/data/tables.ts"
import { QUICK_SELFPLAY, SelfPlayConfig } from "../../src/game/config.ts"
import { Game, GameLive, type GameService } from "../../src/game/context.ts"
import { ITER, iterDir, RUN } from "../../src/game/run-folder.ts"
import { isStageDone, stageKey } from "../../src/game/stage.ts"
import * as S from "../../src/game/stages.ts"
import type { ProposalRow } from "../../src/generator/proposals.ts"
import { DEFAULT_LEXICON_FILE } from "../../src/guard/storage.ts"
import { makeSeed, Seed, SeedLive } from "../../src/runtime/seed.ts"
import { tempDir } from "../support/temp-dir.ts"

const ROOT = 7
const seed = makeSeed(ROOT)
const SEED_TEXT = "how do i bake a loaf of bread at home with flour water and salt"
/** The rewrite the filter judges: a benchmark text in one benchmarks file, not in the other. */
const REWRITE = "what is the easiest way to bake a loaf of bread at home without yeast"

const row = (id: string, text: string, lang: Example["lang"], unsafe: boolean, split: Example["split"]): Example =>
  ({ id, text, lang, unsafe, categories: unsafe ? ["C1"] : [], source: "test", license: "MIT", split, origin: "seed", parent_id: null, iteration: 0 }) as Example

const bench = (text: string): BenchmarkRow => ({ benchmark: "xstest", lang: "en", text, unsafe: false, categories: null })

const proposal: ProposalRow = {
  id: "p1", seed_id: "s0", iteration: 1, k: 0, a_target: 0, a_route: 0, a_frame: 0, a_surface: 0, program: "en ← none | none | none",
  // code-mixed: the language and spelling gates let it pass, so only contamination can drop it
  seed_lang: "en", lang: "en", text: REWRITE, unsafe: false, categories: [], untranslated: null, code_mixed: true, status: "ok"
}

const repoRoot = path.resolve(import.meta.dirname, "../..")
const root = tempDir("stage-keys")
const files = {
  seed: path.join(root, "seed.parquet"),
  lexicon: path.join(root, "lexicon.tsv"),
  pieces: path.join(root, "pieces.txt"),
  /** Without the rewrite, and with it. */
  benchA: path.join(root, "bench-a.parquet"),
  benchB: path.join(root, "bench-b.parquet")
}
const config = Schema.decodeUnknownSync(SelfPlayConfig)({ ...QUICK_SELFPLAY, runId: "keys", iterations: 2, maxSeedTrainRows: null })
const scope = Effect.runSync(Scope.make())

/** The Game of a run in `runDir` scoring `benchmarks`. */
const gameOf = (runDir: string, benchmarksFile: string): Promise<GameService> =>
  Effect.runPromise(
    Layer.buildWithScope(GameLive(config, { repoRoot, seedFile: files.seed, benchmarksFile, lexiconFile: files.lexicon, piecesFile: files.pieces, runDir }).pipe(Layer.provide(SeedLive(ROOT))), scope).pipe(
      Effect.map((ctx) => Context.get(ctx, Game))
    )
  )

beforeAll(async () => {
  const seeds = [
    row("s0", SEED_TEXT, "en", false, "train"),
    ...(["en", "fr", "de", "es"] as const).flatMap((lang, i) => [
      row(`t${i}`, `${lang} safe training sentence number ${i} about the weather`, lang, false, "train"),
      row(`u${i}`, `${lang} unsafe training sentence number ${i} about hurting people`, lang, true, "train"),
      row(`v${i}`, `${lang} validation sentence number ${i} about the garden`, lang, false, "validation")
    ])
  ]
  await Effect.runPromise(writeParquet(files.seed, rowsToTable(seeds, EXAMPLE_COLUMNS)))
  await Effect.runPromise(writeParquet(files.benchA, rowsToTable([bench("a benchmark question about something else entirely and nothing more")], BENCHMARK_COLUMNS)))
  await Effect.runPromise(writeParquet(files.benchB, rowsToTable([bench(REWRITE)], BENCHMARK_COLUMNS)))
  fs.copyFileSync(DEFAULT_LEXICON_FILE, files.lexicon)
  fs.writeFileSync(files.pieces, "▁bread\n▁loaf\nflour\n")
}, 120_000)

afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))

describe("every stage's resume key", () => {
  it("changes with every file the stage declares, and comes back when the file does", async () => {
    const runDir = path.join(root, "run-keys")
    const game = await gameOf(runDir, files.benchA)
    // Every file of iterations 0..2 and of the run a stage of iteration 2 may read, with some bytes.
    for (const t of [0, 1, 2]) {
      const dir = iterDir(runDir, t)
      for (const f of [ITER.policy, ITER.seeds, ITER.proposals, ITER.candidates, ITER.judged, ITER.synthetic]) fs.mkdirSync(path.dirname(f.at(dir)), { recursive: true })
      for (const f of [ITER.policy, ITER.seeds, ITER.proposals, ITER.candidates, ITER.judged, ITER.synthetic]) fs.writeFileSync(f.at(dir), `${f.name} ${t}`)
      fs.mkdirSync(ITER.guard.at(dir), { recursive: true })
      for (const f of ["model.json", "weights.bin"]) fs.writeFileSync(path.join(ITER.guard.at(dir), f), `${f} ${t}`)
    }
    fs.writeFileSync(RUN.crosslingualDev.at(runDir), "null")

    const t = 2
    const declared = new Map<string, ReadonlyArray<string>>()
    for (const { def } of S.GAME_STAGES) {
      const key = () => stageKey(def.inputs(t, game, seed))
      const before = key()
      const inputFiles = [...new Set(Object.values(def.inputs(t, game, seed)).flatMap((i) => i.files))]
      declared.set(def.name, inputFiles)
      for (const f of inputFiles) {
        const bytes = fs.existsSync(f) ? fs.readFileSync(f) : null
        fs.appendFileSync(f, "changed")
        expect(key(), `${def.name}: ${path.relative(root, f)} changed`).not.toBe(before)
        if (bytes === null) fs.rmSync(f)
        else fs.writeFileSync(f, bytes)
        expect(key(), `${def.name}: ${path.relative(root, f)} restored`).toBe(before)
      }
      // The root seed is an input of every stage that draws from a random stream.
      const reseeded = stageKey(def.inputs(t, game, makeSeed(ROOT + 1)))
      expect(reseeded !== before, `${def.name} and the root seed`).toBe("random" in def.inputs(t, game, seed))
    }
    const at = (t: number, f: { at: (dir: string) => string }) => f.at(iterDir(runDir, t))
    // The inputs that were missing from hand-written keys are declared now.
    expect(declared.get("filter")).toEqual(expect.arrayContaining([at(2, ITER.proposals), files.seed, files.benchA, at(1, ITER.synthetic)]))
    expect(declared.get("filter")).not.toContain(at(2, ITER.synthetic))
    expect(declared.get("fooling")).toEqual(expect.arrayContaining([at(1, ITER.policy), at(2, ITER.policy), files.benchA, files.seed]))
    expect(declared.get("sample")).toContain(files.seed)
    expect(declared.get("dpo")).toEqual(expect.arrayContaining([at(2, ITER.seeds), at(2, ITER.candidates), at(2, ITER.judged), at(1, ITER.policy)]))
    expect(declared.get("train-guard")).toEqual(expect.arrayContaining([files.seed, files.lexicon, files.pieces, at(1, ITER.synthetic), at(2, ITER.synthetic)]))
    expect(declared.get("evaluate")).toContain(files.benchA)
  }, 120_000)
})

describe("the filter after a change of benchmarks file", () => {
  it("re-runs, and drops the rewrite the new benchmarks contain", async () => {
    const runDir = path.join(root, "run-filter")
    const dir = iterDir(runDir, 1)
    await Effect.runPromise(ITER.proposals.write(dir, [proposal]))
    const filter = async (game: GameService) => {
      await Effect.runPromise(S.filter(1).pipe(Effect.provideService(Game, game), Effect.provideService(Seed, seed)))
      return (await Effect.runPromise(ITER.candidates.read(dir)))[0].dropped
    }
    const gameA = await gameOf(runDir, files.benchA)
    const gameB = await gameOf(runDir, files.benchB)
    expect(await filter(gameA)).toBe("")
    expect(isStageDone(dir, "filter", S.filter.def.inputs(1, gameA, seed))).toBe(true)
    expect(isStageDone(dir, "filter", S.filter.def.inputs(1, gameB, seed))).toBe(false)
    expect(await filter(gameB)).toBe("benchmark-contamination")
    expect(await Effect.runPromise(ITER.filter.read(dir))).toEqual({ "benchmark-contamination": 1 })
  }, 120_000)
})

describe("a stage's run", () => {
  it("cannot read the Game or the Seed: they reach it only as declared inputs", () => {
    S.gameStage({
      name: "sneaky",
      inputs: () => ({}),
      outputs: () => [],
      // @ts-expect-error — the config read here would be missing from the resume key
      run: () => Effect.map(Game, (game) => game.config.requireSeedLabel)
    })
  })
})
