/**
 * The served model: its files are read once, and the same bytes are both decoded into the
 * guard the server classifies with and sent to the playground page, so the browser can never
 * run a different model than the endpoint. Its name carries a hash of those bytes.
 */
import { Effect, type Scope } from "effect"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { GuardError, guardFromWeights, type Guard } from "../guard/guard.ts"
import { decodeModel, MODEL_FILE, WEIGHTS_FILE } from "../guard/format.ts"
import type { Backend } from "../runtime/backend.ts"

export interface ServedModel {
  /** `duoguard-ts-<first 12 hex of sha256(model.json ‖ weights.bin)>` */
  readonly name: string
  readonly dir: string
  readonly modelJson: Uint8Array
  readonly weightsBin: Uint8Array
  readonly guard: Guard
}

/** The model folder's bytes, decoded and checked; no backend needed. */
const readServedFiles = (dir: string) =>
  Effect.gen(function* () {
    const read = (name: string) =>
      Effect.try({
        try: () => fs.readFileSync(path.join(dir, name)),
        catch: (e) => new GuardError({ reason: `cannot read ${path.join(dir, name)}: ${(e as Error).message}` })
      })
    const modelJson = yield* read(MODEL_FILE)
    const weightsBin = yield* read(WEIGHTS_FILE)
    const decoded = yield* Effect.try({
      try: () => decodeModel(modelJson.toString("utf8"), new Uint8Array(weightsBin.buffer, weightsBin.byteOffset, weightsBin.byteLength)),
      catch: (e) => new GuardError({ reason: `invalid guard in ${dir}: ${(e as Error).message}` })
    })
    return { modelJson, weightsBin, decoded }
  })

/**
 * Fail early, once, on a missing or broken model folder: the cluster primary runs this before
 * forking, so a bad `--model` gives one error in a fraction of a second instead of one per worker.
 */
export const checkServedModel = (dir: string): Effect.Effect<void, GuardError> => Effect.asVoid(readServedFiles(dir))

export const loadServedModel = (dir: string): Effect.Effect<ServedModel, GuardError, Backend | Scope.Scope> =>
  Effect.gen(function* () {
    const { modelJson, weightsBin, decoded } = yield* readServedFiles(dir)
    const guard = yield* guardFromWeights(decoded, dir)
    const hash = createHash("sha256").update(modelJson).update(weightsBin).digest("hex").slice(0, 12)
    return { name: `duoguard-ts-${hash}`, dir, modelJson, weightsBin, guard }
  })
