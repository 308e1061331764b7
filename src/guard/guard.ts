/**
 * The guard as a service: load a saved model inside a backend session, classify texts and
 * conversations. Weights are uploaded once per session and disposed with its scope.
 */
import { Effect, type Scope } from "effect"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import type { Prediction } from "../../schemas/prediction.ts"
import { Backend } from "../runtime/backend.ts"
import { GuardError } from "./errors.ts"
import { Featurizer } from "./features.ts"
import type { DecodedModel } from "./format.ts"
import { disposeTensors, logitsOf, uploadWeights } from "./model.ts"
import { textsProblem } from "./input.ts"
import { isOnnxGuardDir, noOperatingPoints, type OnnxSettings } from "./onnx/folder.ts"
import { loadOnnxGuard } from "./onnx/guard.ts"
import { onnxVerdictFiles } from "./onnx/served.ts"
import { readModelDir } from "./storage.ts"
import { classifyTurnsWith, predictionAt } from "./verdict.ts"

export { GuardError } from "./errors.ts"

export interface Guard {
  readonly modelDir: string
  readonly backend: string
  /** One Prediction (schemas/prediction.ts) per text, in order. Batches internally. */
  readonly classify: (texts: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<Prediction>, GuardError>
  /** Moderates both sides of an exchange: the user prompt and, if given, the assistant response. */
  readonly classifyConversation: (
    turns: ReadonlyArray<{ prompt: string; response?: string }>
  ) => Effect.Effect<ReadonlyArray<Prediction>, GuardError>
}

/** The repository's shipped model, found relative to this file (not to the working directory). */
export const DEFAULT_MODEL_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../models/default")

/** Texts per forward pass: large enough to amortize per-op overhead, small enough for memory. */
const BATCH = 512

/**
 * A guard over in-memory weights (e.g. fresh from `trainGuard`), valid within the scope.
 * Needs the Backend session the weights are uploaded to.
 */
export const guardFromWeights = (
  { weights, features, lexicon, pieces }: DecodedModel,
  modelDir = "(in memory)"
): Effect.Effect<Guard, GuardError, Backend | Scope.Scope> =>
  Effect.gen(function* () {
    const backend = yield* Backend
    const tensors = yield* Effect.acquireRelease(
      Effect.try({
        try: () => uploadWeights(weights),
        catch: (e) => new GuardError({ reason: `cannot upload weights of ${modelDir}: ${String(e)}` })
      }),
      (t) => Effect.sync(() => disposeTensors(t))
    )
    const featurizer = yield* Effect.try({
      try: () => new Featurizer(features, lexicon, pieces),
      catch: (e) => new GuardError({ reason: `${modelDir}: ${(e as Error).message}` })
    })

    const classify = (texts: ReadonlyArray<string>) =>
      Effect.try({
        try: () => {
          const problem = textsProblem(texts)
          if (problem !== undefined) throw new Error(problem)
          const out: Array<Prediction> = new Array(texts.length)
          for (let from = 0; from < texts.length; from += BATCH) {
            const chunk = texts.slice(from, from + BATCH)
            const logits = logitsOf(tensors, featurizer.batch(chunk))
            for (let i = 0; i < chunk.length; i++) out[from + i] = predictionAt(logits, i)
          }
          return out
        },
        catch: (e) => new GuardError({ reason: `classify failed: ${e instanceof Error ? e.message : String(e)}` })
      })

    const classifyConversation = classifyTurnsWith(classify, (problem) => new GuardError({ reason: `classify failed: ${problem}` }))

    return { modelDir, backend: backend.name, classify, classifyConversation } satisfies Guard
  })

export interface LoadOptions {
  /**
   * A named calibration saved with the model (model.json `operatingPoints`): "balanced" (the
   * shipped default: flags readily) or "observed" (calibrated to the seed's own label mix:
   * fewer false flags on mostly-benign traffic, lower recall). Default: the model's own shift.
   */
  readonly operatingPoint?: string | undefined
  /** For an ONNX guard folder (onnx/folder.ts): overrides of its duoguard.json settings. */
  readonly onnx?: Partial<OnnxSettings> | undefined
}

/** The files of a saved guard its verdicts depend on (model.json carries shift, features and lexicon as well as the weights'). */
export const verdictFiles = (modelDir: string): ReadonlyArray<string> =>
  isOnnxGuardDir(modelDir) ? onnxVerdictFiles(modelDir) : [path.join(modelDir, "model.json"), path.join(modelDir, "weights.bin")]

/**
 * Loads a saved guard (default models/default) into the caller's Backend session; released
 * with the scope. A folder holding an exported ONNX classifier (onnx/folder.ts) is run by ONNX
 * Runtime instead.
 */
export const loadGuard = (modelDir: string = DEFAULT_MODEL_DIR, options: LoadOptions = {}): Effect.Effect<Guard, GuardError, Backend | Scope.Scope> =>
  Effect.gen(function* () {
    if (isOnnxGuardDir(modelDir)) {
      if (options.operatingPoint !== undefined) return yield* noOperatingPoints(modelDir)
      return yield* loadOnnxGuard(modelDir, options.onnx)
    }
    return yield* guardFromWeights(yield* readModelDir(modelDir, options.operatingPoint), modelDir)
  })
