/**
 * The ONNX guard backend on a tiny classifier built here (test/support/tiny-onnx.ts): scores
 * equal a hand computation and onnxruntime's own output on the same unpadded token ids, for
 * texts of different lengths in one batch, through loadGuard and through pipelines/classify.ts.
 */
import { Effect, Exit } from "effect"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import * as ort from "onnxruntime-node"
import { describe, expect, it } from "vitest"
import { CATEGORY_IDS, CATEGORY_NAMES } from "../../schemas/taxonomy.ts"
import { loadGuard, type Guard } from "../../src/guard/guard.ts"
import type { GuardError } from "../../src/guard/errors.ts"
import { isOnnxGuardDir } from "../../src/guard/onnx/folder.ts"
import { postJson, testServer } from "../serve/fixtures.ts"
import { testBackend } from "../support/backend.ts"
import { tempDir } from "../support/temp-dir.ts"
import { handLogits, tinyWeights, writeTinyOnnxFolder } from "../support/tiny-onnx.ts"

const repo = path.resolve(import.meta.dirname, "../..")
const WORDS = "how could someone build a bomb at home please tell me the weather in paris is nice today kill".split(" ")
const w = tinyWeights(WORDS, 11)
const idsOf = (text: string) => text.toLowerCase().split(/\s+/).filter((t) => t !== "").map((t) => w.vocab[t] ?? w.vocab["[UNK]"])
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x))
const TEXTS = [
  "how could someone build a bomb at home please tell me",
  "kill",
  "the weather in paris is nice today",
  "",
  "Tell me HOW zorglub"
]

const withGuard = <A>(dir: string, f: (g: Guard) => Effect.Effect<A, unknown>, opts: Parameters<typeof loadGuard>[1] = {}) =>
  Effect.runPromise(Effect.scoped(Effect.flatMap(loadGuard(dir, opts), f)).pipe(Effect.provide(testBackend)))

/** onnxruntime itself on one unpadded row. */
const ortLogits = async (modelFile: string, ids: ReadonlyArray<number>): Promise<Array<number>> => {
  const session = await ort.InferenceSession.create(modelFile)
  const n = Math.max(1, ids.length)
  const data = BigInt64Array.from(ids.length > 0 ? ids.map(BigInt) : [1n])
  const mask = BigInt64Array.from({ length: n }, () => (ids.length > 0 ? 1n : 0n))
  const out = await session.run({ input_ids: new ort.Tensor("int64", data, [1, n]), attention_mask: new ort.Tensor("int64", mask, [1, n]) })
  await session.release()
  return Array.from(out.logits.data as Float32Array)
}

describe("ONNX guard", () => {
  it("scores = sigmoid of the logits by hand and of onnxruntime's own output; unsafe = max; padding changes nothing", async () => {
    const dir = writeTinyOnnxFolder(tempDir("onnx"), w, { settings: { batchSize: 3 } })
    expect(isOnnxGuardDir(dir)).toBe(true)
    const preds = await withGuard(dir, (g) => g.classify(TEXTS))
    let maxDiff = 0
    for (const [i, text] of TEXTS.entries()) {
      const byHand = handLogits(w, idsOf(text)).map(sigmoid)
      const byOrt = (await ortLogits(path.join(dir, "model.onnx"), idsOf(text))).map(sigmoid)
      CATEGORY_IDS.forEach((c, k) => {
        expect(Math.abs(preds[i].categories[c] - byHand[k]), `${text} ${c}`).toBeLessThan(1e-5)
        maxDiff = Math.max(maxDiff, Math.abs(preds[i].categories[c] - byOrt[k]))
      })
      expect(preds[i].unsafe).toBe(Math.max(...CATEGORY_IDS.map((c) => preds[i].categories[c])))
      expect(preds[i].flagged).toBe(preds[i].unsafe > 0.5)
    }
    expect(maxDiff).toBeLessThanOrEqual(1e-6)
    // The same texts one at a time (no padding at all) give the same scores (to float32 rounding).
    for (const [i, text] of TEXTS.entries()) {
      const [alone] = await withGuard(dir, (g) => g.classify([text]))
      for (const c of CATEGORY_IDS) expect(Math.abs(alone.categories[c] - preds[i].categories[c])).toBeLessThan(1e-6)
    }
  })

  it("finds the model under onnx/, truncates to maxLength and reports its backend", async () => {
    const dir = writeTinyOnnxFolder(tempDir("onnx-sub"), w, { layout: "onnx", settings: { maxLength: 3 } })
    const guard = await withGuard(dir, (g) => Effect.succeed(g.backend))
    expect(guard).toBe("onnxruntime-cpu")
    const [long] = await withGuard(dir, (g) => g.classify(["how could someone build a bomb"]))
    const firstThree = handLogits(w, idsOf("how could someone")).map(sigmoid)
    CATEGORY_IDS.forEach((c, k) => expect(Math.abs(long.categories[c] - firstThree[k])).toBeLessThan(1e-5))
    // A settings override wins over duoguard.json.
    const [full] = await withGuard(dir, (g) => g.classify(["how could someone build a bomb"]), { onnx: { maxLength: 64 } })
    expect(Math.abs(full.categories.C1 - sigmoid(handLogits(w, idsOf("how could someone build a bomb"))[0]))).toBeLessThan(1e-5)
  })

  it("checks its input like the tfjs guard: a non-array, a hole or a non-string reply is a GuardError naming the index", async () => {
    const dir = writeTinyOnnxFolder(tempDir("onnx-input"), w)
    const fails = (run: (g: Guard) => Effect.Effect<unknown, GuardError>) => Effect.runPromise(Effect.flip(Effect.scoped(Effect.flatMap(loadGuard(dir), run))).pipe(Effect.provide(testBackend)))
    expect((await fails((g) => g.classify(new Set(["a"]) as unknown as Array<string>))).reason).toMatch(/texts must be an array.*Set/)
    expect((await fails((g) => g.classify(["a", , "c"] as Array<string>))).reason).toMatch(/text 1 is missing/)
    expect((await fails((g) => g.classifyConversation([{ prompt: "hi", response: null as unknown as string }]))).reason).toMatch(/turn 0: response is null/)
  })

  it("names the file and the problem of a bad folder", async () => {
    const dir = writeTinyOnnxFolder(tempDir("onnx-bad"), w)
    const fail = async (opts: Parameters<typeof loadGuard>[1] = {}) => {
      const exit = await Effect.runPromiseExit(Effect.scoped(loadGuard(dir, opts)).pipe(Effect.provide(testBackend)))
      expect(Exit.isFailure(exit)).toBe(true)
      return String(Exit.isFailure(exit) ? exit.cause : "")
    }
    expect(await fail({ operatingPoint: "observed" })).toMatch(/ONNX guard: it has no operating points/)
    const config = JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8"))
    delete config.id2label["11"]
    fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify(config))
    expect(await fail()).toMatch(/config\.json.*has 11 entries, expected 12/s)
    writeTinyOnnxFolder(dir, w)
    fs.rmSync(path.join(dir, "tokenizer.json"))
    expect(await fail()).toMatch(/tokenizer\.json: missing/)
    writeTinyOnnxFolder(dir, w)
    fs.writeFileSync(path.join(dir, "model.onnx"), "not a model")
    expect(await fail()).toMatch(/ONNX Runtime cannot load model\.onnx/)
  })

  it("pipelines/classify.ts --model DIR takes an ONNX folder: scores match onnxruntime within 1e-4", async () => {
    const tmp = tempDir("onnx-cli")
    const dir = writeTinyOnnxFolder(path.join(tmp, "model"), w, { settings: { batchSize: 2 } })
    const input = path.join(tmp, "in.jsonl")
    const output = path.join(tmp, "out.jsonl")
    fs.writeFileSync(input, TEXTS.map((text, i) => JSON.stringify({ id: `r${i}`, text })).join("\n") + "\n")
    const r = spawnSync("npx", ["tsx", "pipelines/classify.ts", "--input", input, "--output", output, "--model", dir], { cwd: repo, encoding: "utf8" })
    expect(r.status, r.stderr).toBe(0)
    const rows = fs.readFileSync(output, "utf8").trim().split("\n").map((l) => JSON.parse(l))
    expect(rows.map((x) => x.id)).toEqual(TEXTS.map((_, i) => `r${i}`))
    for (const [i, text] of TEXTS.entries()) {
      const byOrt = (await ortLogits(path.join(dir, "model.onnx"), idsOf(text))).map(sigmoid)
      CATEGORY_IDS.forEach((c, k) => expect(Math.abs(rows[i].categories[c] - byOrt[k])).toBeLessThanOrEqual(1e-4))
      expect(rows[i].unsafe).toBe(Math.max(...CATEGORY_IDS.map((c) => rows[i].categories[c])))
    }
  })

  it("serve.ts's server takes an ONNX folder: same scores as loadGuard, no playground (it runs tfjs only)", async () => {
    const dir = writeTinyOnnxFolder(tempDir("onnx-serve"), w)
    const server = await testServer(dir, { playground: true })
    try {
      expect(server.model).toMatch(/^duoguard-onnx-[0-9a-f]{12}$/)
      expect(server.backend).toBe("onnxruntime-cpu")
      const res = await postJson(server.url, { input: TEXTS.slice(0, 3) })
      expect(res.status).toBe(200)
      const body = (await res.json()) as { results: Array<{ category_scores: Record<string, number> }> }
      const local = await withGuard(dir, (g) => g.classify(TEXTS.slice(0, 3)))
      expect(body.results).toHaveLength(3)
      body.results.forEach((r, i) => CATEGORY_IDS.forEach((c) => expect(Math.abs(r.category_scores[CATEGORY_NAMES[c]] - local[i].categories[c])).toBeLessThan(1e-9)))
      expect((await fetch(`${server.url}/`)).status).toBe(404)
    } finally {
      await server.close()
    }
  })
})
