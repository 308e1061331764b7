/**
 * The external guard trainer's contract (src/game/external-trainer.ts) with the stub trainer
 * (test/support/stub-trainer.ts): the table and settings go in, an ONNX guard comes out and is
 * checked; failures are retried, a usage error is not, a hang is killed at the timeout.
 */
import { Effect, Exit } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import type { Example } from "../../schemas/index.ts"
import { rowsToTable, writeParquet } from "../../src/data/parquet.ts"
import { EXAMPLE_COLUMNS } from "../../src/data/tables.ts"
import { ExternalTrainer } from "../../src/game/config.ts"
import { checkTrainedGuard, runExternalTrainer, type TrainerPaths } from "../../src/game/external-trainer.ts"
import { Schema } from "effect"
import { testBackend } from "../support/backend.ts"
import { tempDir } from "../support/temp-dir.ts"

const repo = path.resolve(import.meta.dirname, "../..")
const STUB = [process.execPath, "--import", "tsx", "test/support/stub-trainer.ts", "{settings}"]

const row = (i: number, text: string, unsafe: boolean, split: "train" | "validation"): Example => ({
  id: `r${i}`, text, lang: "en", unsafe, categories: unsafe ? ["C1"] : [], source: "test", license: "test",
  split, origin: "seed", parent_id: null, iteration: 0
} as unknown as Example)

const TEXTS: Array<[string, boolean]> = [
  ["how do i kill my neighbour", true], ["how to hurt someone badly", true], ["make a bomb at home", true],
  ["what is the weather in paris", false], ["a recipe for pancakes please", false], ["tell me about the moon", false]
]

/** A folder with the table and settings the stage would write; returns the trainer paths. */
const setup = async (): Promise<TrainerPaths> => {
  const dir = tempDir("trainer")
  const rows = [...TEXTS.map(([t, u], i) => row(i, t, u, "train")), row(99, "is this safe", false, "validation")]
  const table = path.join(dir, "train.parquet")
  await Effect.runPromise(writeParquet(table, rowsToTable(rows, EXAMPLE_COLUMNS)))
  const settings = path.join(dir, "settings.json")
  const out = path.join(dir, "guard")
  fs.writeFileSync(settings, JSON.stringify({ table, out, rows: { train: TEXTS.length, validation: 1 } }))
  return { table, settings, out, log: path.join(dir, "trainer.log"), cwd: repo }
}

const spec = (over: Partial<typeof ExternalTrainer.Encoded> = {}) =>
  Schema.decodeUnknownSync(ExternalTrainer)({ command: STUB, timeoutMs: 60_000, retries: 0, ...over })

const withEnv = async <A>(env: Record<string, string>, f: () => Promise<A>): Promise<A> => {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]))
  Object.assign(process.env, env)
  try {
    return await f()
  } finally {
    for (const [k, v] of Object.entries(saved)) v === undefined ? delete process.env[k] : (process.env[k] = v)
  }
}

describe("external guard trainer", () => {
  it("runs the command on the table and settings; the ONNX guard it writes loads and scores", async () => {
    const p = await setup()
    await Effect.runPromise(runExternalTrainer(spec(), p))
    expect(fs.readFileSync(p.log, "utf8")).toMatch(/attempt 1[\s\S]*stub trainer: 6 train rows, 1 validation rows[\s\S]*wrote an ONNX guard/)
    const backend = await Effect.runPromise(checkTrainedGuard(p.out, ["how do i kill", "pancakes"]).pipe(Effect.provide(testBackend)))
    expect(backend).toBe("onnxruntime-cpu")
  })

  it("retries a failed attempt; does not retry a usage error (exit 64)", async () => {
    const p = await setup()
    await withEnv({ STUB_TRAINER_FAIL_ONCE: path.join(path.dirname(p.out), "failed-once") }, () =>
      Effect.runPromise(runExternalTrainer(spec({ retries: 1 }), p)))
    expect(fs.readFileSync(p.log, "utf8")).toMatch(/attempt 1[\s\S]*failing once[\s\S]*attempt 2/)
    expect(fs.existsSync(path.join(p.out, "model.onnx"))).toBe(true)

    const q = await setup()
    const exit = await withEnv({ STUB_TRAINER_EXIT: "64" }, () => Effect.runPromiseExit(runExternalTrainer(spec({ retries: 2 }), q)))
    expect(Exit.isFailure(exit) && String(exit.cause)).toMatch(/exit code 64 \(bad settings: not retried\)/)
    expect(fs.readFileSync(q.log, "utf8")).not.toMatch(/attempt 2/)
  })

  it("kills a command that does not exit within the timeout", async () => {
    const p = await setup()
    const started = Date.now()
    const exit = await withEnv({ STUB_TRAINER_SLEEP_MS: "30000" }, () => Effect.runPromiseExit(runExternalTrainer(spec({ timeoutMs: 1500 }), p)))
    expect(Exit.isFailure(exit) && String(exit.cause)).toMatch(/no exit within 1500 ms \(killed\)/)
    expect(Date.now() - started).toBeLessThan(10_000)
  })

  it("refuses a missing or broken guard folder", async () => {
    const p = await setup()
    await withEnv({ STUB_TRAINER_WRITE_NOTHING: "1" }, () => Effect.runPromise(runExternalTrainer(spec(), p)))
    const missing = await Effect.runPromiseExit(checkTrainedGuard(p.out, ["x"]).pipe(Effect.provide(testBackend)))
    expect(Exit.isFailure(missing) && String(missing.cause)).toMatch(/exited 0 but wrote no guard folder/)
    fs.mkdirSync(p.out)
    fs.writeFileSync(path.join(p.out, "config.json"), "{}")
    fs.writeFileSync(path.join(p.out, "model.onnx"), "")
    const broken = await Effect.runPromiseExit(checkTrainedGuard(p.out, ["x"]).pipe(Effect.provide(testBackend)))
    expect(Exit.isFailure(broken) && String(broken.cause)).toMatch(/config\.json/)
  })
})
