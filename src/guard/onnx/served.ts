/**
 * An ONNX guard folder as the server's model: named by a hash of the files that decide its
 * verdicts, classified server-side only (the playground page runs tfjs guards alone).
 */
import { Effect, type Scope } from "effect"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { GuardError } from "../errors.ts"
import type { Guard } from "../guard.ts"
import { CONFIG_FILE, noOperatingPoints, onnxModelFile, SETTINGS_FILE, TOKENIZER_CONFIG_FILE, TOKENIZER_FILE } from "./folder.ts"
import { loadOnnxGuard } from "./guard.ts"

/** The files of an ONNX guard folder that decide its verdicts: model, config, tokenizer and settings, those present. */
export const onnxVerdictFiles = (dir: string): Array<string> =>
  [onnxModelFile(dir), ...[CONFIG_FILE, TOKENIZER_FILE, TOKENIZER_CONFIG_FILE, SETTINGS_FILE].map((f) => path.join(dir, f))]
    .filter((f): f is string => f !== null && fs.existsSync(f))

/** sha256 over the files that decide its verdicts (a stable identity for the server's model name). */
export const onnxFolderHash = (dir: string): string => {
  const h = createHash("sha256")
  for (const f of onnxVerdictFiles(dir)) h.update(path.relative(dir, f)).update(fs.readFileSync(f))
  return h.digest("hex")
}

export const loadOnnxServedModel = (
  dir: string,
  operatingPoint: string | null
): Effect.Effect<{ name: string; dir: string; modelJson: null; weightsBin: null; guard: Guard }, GuardError, Scope.Scope> =>
  Effect.gen(function* () {
    if (operatingPoint !== null) return yield* noOperatingPoints(dir)
    const guard = yield* loadOnnxGuard(dir)
    return { name: `duoguard-onnx-${onnxFolderHash(dir).slice(0, 12)}`, dir, modelJson: null, weightsBin: null, guard }
  })
