/**
 * A stub external guard trainer (the contract in src/game/external-trainer.ts): reads the
 * settings and the training table, and writes a tiny ONNX classifier (test/support/tiny-onnx.ts)
 * whose word weights are smoothed per-category log-odds counted on the train rows — in seconds.
 *
 *   npx tsx test/support/stub-trainer.ts SETTINGS.json
 *
 * Faults for tests, from the environment: STUB_TRAINER_FAIL_ONCE=FILE (exit 1 unless FILE
 * exists, creating it), STUB_TRAINER_EXIT=N (exit N at once), STUB_TRAINER_SLEEP_MS=N (hang
 * that long first), STUB_TRAINER_WRITE_NOTHING=1 (exit 0 without a guard).
 */
import { Effect } from "effect"
import * as fs from "node:fs"
import { Example } from "../../schemas/index.ts"
import { CATEGORY_IDS } from "../../schemas/taxonomy.ts"
import { readRows } from "../../src/data/parquet.ts"
import { CATEGORIES, writeTinyOnnxFolder } from "./tiny-onnx.ts"

const VOCAB = 400

const main = async () => {
  const env = process.env
  if (env.STUB_TRAINER_SLEEP_MS) await new Promise((r) => setTimeout(r, Number(env.STUB_TRAINER_SLEEP_MS)))
  if (env.STUB_TRAINER_EXIT) process.exit(Number(env.STUB_TRAINER_EXIT))
  if (env.STUB_TRAINER_FAIL_ONCE && !fs.existsSync(env.STUB_TRAINER_FAIL_ONCE)) {
    fs.writeFileSync(env.STUB_TRAINER_FAIL_ONCE, "")
    console.error("stub trainer: failing once, as asked")
    process.exit(1)
  }
  const settingsFile = process.argv[2] ?? env.DUOGUARD_TRAIN_SETTINGS
  if (!settingsFile) {
    console.error("usage: stub-trainer.ts SETTINGS.json")
    process.exit(64)
  }
  const settings = JSON.parse(fs.readFileSync(settingsFile, "utf8")) as { table: string; out: string; rows: { train: number; validation: number } }
  const rows = await Effect.runPromise(readRows(Example, settings.table))
  const train = rows.filter((r) => r.split === "train")
  if (train.length !== settings.rows.train) throw new Error(`the table has ${train.length} train rows, the settings say ${settings.rows.train}`)
  console.log(`stub trainer: ${train.length} train rows, ${rows.length - train.length} validation rows`)
  if (env.STUB_TRAINER_WRITE_NOTHING) return

  const words = (t: string) => t.toLowerCase().match(/\w+/g) ?? []
  const freq = new Map<string, number>()
  for (const r of train) for (const w of new Set(words(r.text))) freq.set(w, (freq.get(w) ?? 0) + 1)
  const top = [...freq].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, VOCAB).map(([w]) => w)
  const vocab: Record<string, number> = { "[UNK]": 0, "[PAD]": 1 }
  for (const w of top) vocab[w] = Object.keys(vocab).length
  const n = Object.keys(vocab).length
  // Per category c: in how many rows of c, and of safe rows, each word occurs.
  const inCat = Array.from({ length: CATEGORIES }, () => new Float64Array(n))
  const inSafe = new Float64Array(n)
  const catRows = new Float64Array(CATEGORIES)
  let safeRows = 0
  for (const r of train) {
    const ids = [...new Set(words(r.text).map((w) => vocab[w] ?? 0))]
    if (!r.unsafe) safeRows++
    for (const id of ids) if (!r.unsafe) inSafe[id]++
    for (const c of r.categories) {
      const k = CATEGORY_IDS.indexOf(c)
      catRows[k]++
      for (const id of ids) inCat[k][id]++
    }
  }
  const embedding = new Float32Array(n * CATEGORIES)
  const bias = new Float32Array(CATEGORIES)
  for (let c = 0; c < CATEGORIES; c++) {
    bias[c] = Math.log((catRows[c] + 1) / (safeRows + 1))
    for (let id = 2; id < n; id++) embedding[id * CATEGORIES + c] = 0.5 * Math.log(((inCat[c][id] + 1) / (catRows[c] + 2)) / ((inSafe[id] + 1) / (safeRows + 2)))
  }
  writeTinyOnnxFolder(settings.out, { vocab, embedding, bias })
  console.log(`stub trainer: wrote an ONNX guard (vocabulary ${n}) to ${settings.out}`)
}

main().catch((e: unknown) => {
  console.error(`stub trainer: ${e instanceof Error ? e.message : String(e)}`)
  process.exit(1)
})
