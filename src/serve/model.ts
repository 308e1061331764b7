/**
 * The served model: its files are read once, and the same bytes are both decoded into the
 * guard the server classifies with and sent to the playground page, so the browser can never
 * run a different model than the endpoint. Its name carries a hash of those bytes.
 */
import { Effect, type Scope } from "effect"
import { createHash } from "node:crypto"
import { type GuardError, guardFromWeights, type Guard } from "../guard/guard.ts"
import { loadOnnxServedModel } from "../guard/onnx/served.ts"
import { isOnnxGuardDir } from "../guard/onnx/folder.ts"
import { decodeModelBytes, readModelBytes } from "../guard/storage.ts"
import type { Backend } from "../runtime/backend.ts"

export interface ServedModel {
  /** `duoguard-ts-<first 12 hex of sha256(model.json ‖ weights.bin)>` */
  readonly name: string
  readonly dir: string
  /** The files the playground page runs in the browser; null for an ONNX guard (server-side only). */
  readonly modelJson: Uint8Array | null
  readonly weightsBin: Uint8Array | null
  readonly guard: Guard
}

/** Load the model folder; with `operatingPoint`, model.json is rewritten to it first (format.ts), so the playground gets it too. */
export const loadServedModel = (dir: string, operatingPoint: string | null = null): Effect.Effect<ServedModel, GuardError, Backend | Scope.Scope> =>
  Effect.gen(function* () {
    if (isOnnxGuardDir(dir)) return yield* loadOnnxServedModel(dir, operatingPoint)
    const bytes = yield* readModelBytes(dir, operatingPoint ?? undefined)
    const guard = yield* guardFromWeights(yield* decodeModelBytes(dir, bytes), dir)
    const hash = createHash("sha256").update(bytes.modelJson).update(bytes.weightsBin).digest("hex").slice(0, 12)
    return { name: `duoguard-ts-${hash}`, dir, ...bytes, guard }
  })
