/**
 * The Guard (src/guard/guard.ts) over an exported Hugging Face classifier, run by ONNX Runtime:
 * probabilities = sigmoid(logits), unsafe = their max, flagged when > 0.5 — the same output
 * contract as the tfjs guard, so classify, serve, evaluate and the game's judge take either.
 */
import { textsProblem } from "../input.ts"
import { Effect, type Scope } from "effect"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import * as ort from "onnxruntime-node"
import type { Prediction } from "../../../schemas/prediction.ts"
import { GuardError } from "../errors.ts"
import type { Guard } from "../guard.ts"
import { NUM_CATEGORIES } from "../model.ts"
import { classifyTurnsWith, predictionAt } from "../verdict.ts"
import { readOnnxFolder, type OnnxSettings } from "./folder.ts"
import { makeEncoder, padBatch } from "./tokenize.ts"

/**
 * True when onnxruntime-node's CUDA provider library is installed next to its binding (its
 * install step downloads it only when told to: ONNXRUNTIME_NODE_INSTALL=cuda12).
 */
export const cudaProviderInstalled = (): boolean => {
  try {
    const binding = path.join(path.dirname(createRequire(import.meta.url).resolve("onnxruntime-node")), "..", "bin", "napi-v6", process.platform, process.arch)
    return fs.existsSync(path.join(binding, "libonnxruntime_providers_cuda.so"))
  } catch {
    return false
  }
}

const providersFor = (device: OnnxSettings["device"]): Array<string> =>
  device === "cuda" || (device === "auto" && cudaProviderInstalled()) ? ["cuda", "cpu"] : ["cpu"]

const failed = (dir: string, what: string) => (e: unknown) =>
  new GuardError({ reason: `${dir}: ${what}: ${e instanceof Error ? e.message : String(e)}` })

/** Loads an ONNX guard folder (folder.ts); the session is released with the scope. */
export const loadOnnxGuard = (dir: string, overrides: Partial<OnnxSettings> = {}): Effect.Effect<Guard, GuardError, Scope.Scope> =>
  Effect.gen(function* () {
    const folder = yield* readOnnxFolder(dir, overrides)
    const encoder = yield* Effect.try({
      try: () => makeEncoder(folder.tokenizerJson, folder.tokenizerConfig, folder.config, folder.settings.maxLength),
      catch: failed(dir, "cannot build the tokenizer from tokenizer.json")
    })
    const providers = providersFor(folder.settings.device)
    const session = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => ort.InferenceSession.create(folder.modelFile, { executionProviders: providers }),
        catch: failed(dir, `ONNX Runtime cannot load ${path.relative(dir, folder.modelFile)} with providers ${providers.join(", ")}`)
      }),
      (s) => Effect.promise(() => s.release())
    )
    for (const name of ["input_ids", "attention_mask"]) {
      if (!session.inputNames.includes(name)) {
        return yield* new GuardError({ reason: `${folder.modelFile}: the graph has no input "${name}" (inputs: ${session.inputNames.join(", ")})` })
      }
    }
    if (!session.outputNames.includes("logits")) {
      return yield* new GuardError({ reason: `${folder.modelFile}: the graph has no output "logits" (outputs: ${session.outputNames.join(", ")})` })
    }

    /** Logits of one padded batch, checked to be [rows, 12]. */
    const forward = (seqs: ReadonlyArray<ReadonlyArray<number>>) =>
      Effect.tryPromise({
        try: async () => {
          const b = padBatch(seqs, encoder.padId)
          const out = await session.run({
            input_ids: new ort.Tensor("int64", b.inputIds, [b.rows, b.length]),
            attention_mask: new ort.Tensor("int64", b.attentionMask, [b.rows, b.length])
          }, ["logits"])
          const logits = out.logits
          try {
            if (logits.dims.length !== 2 || logits.dims[0] !== b.rows || logits.dims[1] !== NUM_CATEGORIES) {
              throw new Error(`logits are [${logits.dims.join(", ")}], expected [${b.rows}, ${NUM_CATEGORIES}]`)
            }
            return Float32Array.from(logits.data as Float32Array)
          } finally {
            logits.dispose()
          }
        },
        catch: failed(dir, "inference failed")
      })

    const classify = (texts: ReadonlyArray<string>): Effect.Effect<ReadonlyArray<Prediction>, GuardError> =>
      Effect.gen(function* () {
        const ids = yield* Effect.try({
          try: () => {
            // The same input checks as the tfjs guard (input.ts): non-arrays, holes, non-strings.
            const problem = textsProblem(texts)
            if (problem !== undefined) throw new Error(problem)
            return texts.map((t) => encoder.encode(t))
          },
          catch: (e) => new GuardError({ reason: `classify failed: ${(e as Error).message}` })
        })
        // Sorted by length (stable: ties keep input order), so each batch pads to a similar length.
        const order = ids.map((_, i) => i).sort((a, b) => ids[a].length - ids[b].length || a - b)
        const out: Array<Prediction> = new Array(texts.length)
        for (let from = 0; from < order.length; from += folder.settings.batchSize) {
          const rows = order.slice(from, from + folder.settings.batchSize)
          const logits = yield* forward(rows.map((i) => ids[i]))
          rows.forEach((i, r) => (out[i] = predictionAt(logits, r)))
        }
        return out
      })

    const classifyConversation = classifyTurnsWith(classify, (problem) => new GuardError({ reason: `classify failed: ${problem}` }))

    return { modelDir: dir, backend: `onnxruntime-${providers[0]}`, classify, classifyConversation } satisfies Guard
  })
