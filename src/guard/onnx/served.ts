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

/** sha256 over the model, config, tokenizer and settings files present (a stable identity for stage keys and names). */
export const onnxFolderHash = (dir: string): string => {
  const h = createHash("sha256")
  const files = [onnxModelFile(dir), ...[CONFIG_FILE, TOKENIZER_FILE, TOKENIZER_CONFIG_FILE, SETTINGS_FILE].map((f) => path.join(dir, f))]
  for (const f of files) if (f !== null && fs.existsSync(f)) h.update(path.relative(dir, f)).update(fs.readFileSync(f))
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
