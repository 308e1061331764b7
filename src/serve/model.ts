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
import { decodeModel, MODEL_FILE, selectOperatingPoint, WEIGHTS_FILE } from "../guard/format.ts"
import type { Backend } from "../runtime/backend.ts"

export interface ServedModel {
  /** `duoguard-ts-<first 12 hex of sha256(model.json ‖ weights.bin)>` */
  readonly name: string
  readonly dir: string
  readonly modelJson: Uint8Array
  readonly weightsBin: Uint8Array
  readonly guard: Guard
}

const cannotRead = (file: string, e: unknown) => new GuardError({ reason: `cannot read ${file}: ${(e as Error).message}` })

/**
 * Fail early, once, on a model folder whose files cannot be read (a wrong `--model`) or that
 * lacks the asked operating point: the cluster primary runs this before forking, so the user
 * gets one error at once instead of one per worker after each has started. It only opens the
 * files (and reads model.json for an operating point); decoding them is the workers' job.
 */
export const checkServedModel = (dir: string, operatingPoint: string | null = null): Effect.Effect<void, GuardError> =>
  Effect.gen(function* () {
    yield* Effect.forEach([MODEL_FILE, WEIGHTS_FILE], (name) =>
      Effect.try({
        try: () => fs.accessSync(path.join(dir, name), fs.constants.R_OK),
        catch: (e) => cannotRead(path.join(dir, name), e)
      }),
      { discard: true }
    )
    if (operatingPoint === null) return
    const file = path.join(dir, MODEL_FILE)
    const json = yield* Effect.try({ try: () => fs.readFileSync(file), catch: (e) => cannotRead(file, e) })
    yield* atOperatingPoint(dir, json, operatingPoint)
  })

/** model.json bytes rewritten to `operatingPoint` (format.ts `selectOperatingPoint`). */
const atOperatingPoint = (dir: string, modelJson: Buffer, operatingPoint: string) =>
  Effect.try({
    try: () => Buffer.from(selectOperatingPoint(modelJson.toString("utf8"), operatingPoint)),
    catch: (e) => new GuardError({ reason: `invalid guard in ${dir}: ${(e as Error).message}` })
  })

/** Load the model folder; with `operatingPoint`, model.json is rewritten to it first (format.ts), so the playground gets it too. */
export const loadServedModel = (dir: string, operatingPoint: string | null = null): Effect.Effect<ServedModel, GuardError, Backend | Scope.Scope> =>
  Effect.gen(function* () {
    const read = (name: string) =>
      Effect.try({
        try: () => fs.readFileSync(path.join(dir, name)),
        catch: (e) => cannotRead(path.join(dir, name), e)
      })
    const stored = yield* read(MODEL_FILE)
    const modelJson = operatingPoint === null ? stored : yield* atOperatingPoint(dir, stored, operatingPoint)
    const weightsBin = yield* read(WEIGHTS_FILE)
    const decoded = yield* Effect.try({
      try: () => decodeModel(modelJson.toString("utf8"), new Uint8Array(weightsBin.buffer, weightsBin.byteOffset, weightsBin.byteLength)),
      catch: (e) => new GuardError({ reason: `invalid guard in ${dir}: ${(e as Error).message}` })
    })
    const guard = yield* guardFromWeights(decoded, dir)
    const hash = createHash("sha256").update(modelJson).update(weightsBin).digest("hex").slice(0, 12)
    return { name: `duoguard-ts-${hash}`, dir, modelJson, weightsBin, guard }
  })
