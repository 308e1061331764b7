/**
 * A Hugging Face sequence classifier exported to ONNX, as a guard folder:
 *
 *   config.json            id2label with 12 entries (entry i = category C(i+1), the paper's order)
 *   tokenizer.json         (+ tokenizer_config.json when present)
 *   model.onnx | onnx/model.onnx
 *                          inputs input_ids, attention_mask (int64 [batch, sequence]); output logits [batch, 12]
 *   duoguard.json          optional: { maxLength, batchSize, device } (settings below)
 *
 * Every file is decoded against a Schema; an error names the file and the field.
 */
import { Effect, ParseResult, Schema } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { NUM_CATEGORIES } from "../model.ts"
import { GuardError } from "../errors.ts"

export const CONFIG_FILE = "config.json"
export const TOKENIZER_FILE = "tokenizer.json"
export const TOKENIZER_CONFIG_FILE = "tokenizer_config.json"
export const SETTINGS_FILE = "duoguard.json"
/** Where `optimum-cli export onnx` and hand exports put the graph, in the order they are looked for. */
export const MODEL_CANDIDATES = ["model.onnx", path.join("onnx", "model.onnx")] as const

/** The model file of an ONNX guard folder, or null when `dir` is not one (e.g. a tfjs guard). */
export const onnxModelFile = (dir: string): string | null => {
  if (!fs.existsSync(path.join(dir, CONFIG_FILE))) return null
  const found = MODEL_CANDIDATES.map((f) => path.join(dir, f)).find((f) => fs.existsSync(f))
  return found ?? null
}

/** True when `dir` holds an exported ONNX classifier rather than the project's own tfjs guard. */
export const isOnnxGuardDir = (dir: string): boolean => onnxModelFile(dir) !== null

export const HfConfig = Schema.Struct({
  id2label: Schema.Record({ key: Schema.String, value: Schema.String }).pipe(
    Schema.filter((m) => {
      const keys = Object.keys(m)
      if (keys.length !== NUM_CATEGORIES) return `has ${keys.length} entries, expected ${NUM_CATEGORIES} (one per category C1..C12)`
      const missing = Array.from({ length: NUM_CATEGORIES }, (_, i) => String(i)).filter((k) => !(k in m))
      return missing.length === 0 || `lacks index ${missing.join(", ")} (keys must be "0".."11")`
    })
  ),
  pad_token_id: Schema.optional(Schema.NullOr(Schema.Int.pipe(Schema.nonNegative())))
})
export type HfConfig = typeof HfConfig.Type

export const OnnxSettings = Schema.Struct({
  /** Tokens per text; longer texts are truncated (their first tokens kept, as HF's default). */
  maxLength: Schema.Int.pipe(Schema.positive()),
  /** Texts per forward pass (texts are sorted by length first, so a batch pads little). */
  batchSize: Schema.Int.pipe(Schema.positive()),
  /** "auto": ONNX Runtime's CUDA provider when its library is installed, else the CPU. */
  device: Schema.Literal("auto", "cpu", "cuda")
})
export type OnnxSettings = typeof OnnxSettings.Type

export const DEFAULT_ONNX_SETTINGS: OnnxSettings = { maxLength: 512, batchSize: 16, device: "auto" }

export interface OnnxFolder {
  readonly dir: string
  readonly modelFile: string
  readonly config: HfConfig
  readonly tokenizerJson: unknown
  readonly tokenizerConfig: Record<string, unknown>
  readonly settings: OnnxSettings
}

const invalid = (file: string, reason: string) => new GuardError({ reason: `invalid ONNX guard file ${file}: ${reason}` })

const readJson = (file: string) =>
  Effect.try({
    try: () => JSON.parse(fs.readFileSync(file, "utf8")) as unknown,
    catch: (e) => invalid(file, (e as Error).message)
  })

const decodeFile = <A, I>(schema: Schema.Schema<A, I>, file: string) =>
  Effect.flatMap(readJson(file), (json) =>
    Schema.decodeUnknown(schema, { onExcessProperty: "ignore" })(json).pipe(
      Effect.mapError((e) => invalid(file, ParseResult.TreeFormatter.formatErrorSync(e)))
    )
  )

/** Read and check an ONNX guard folder (not the graph itself: ONNX Runtime checks that on load). */
export const readOnnxFolder = (dir: string, overrides: Partial<OnnxSettings> = {}): Effect.Effect<OnnxFolder, GuardError> =>
  Effect.gen(function* () {
    const modelFile = onnxModelFile(dir)
    if (modelFile === null) {
      return yield* new GuardError({
        reason: `${dir} is not an ONNX guard folder: it needs ${CONFIG_FILE} and one of ${MODEL_CANDIDATES.join(", ")}`
      })
    }
    const config = yield* decodeFile(HfConfig, path.join(dir, CONFIG_FILE))
    const tokenizerFile = path.join(dir, TOKENIZER_FILE)
    if (!fs.existsSync(tokenizerFile)) return yield* invalid(tokenizerFile, "missing (the model's tokenizer.json must sit next to config.json)")
    const tokenizerJson = yield* readJson(tokenizerFile)
    const tcFile = path.join(dir, TOKENIZER_CONFIG_FILE)
    const tokenizerConfig = fs.existsSync(tcFile)
      ? yield* decodeFile(Schema.Record({ key: Schema.String, value: Schema.Unknown }), tcFile)
      : {}
    const settingsFile = path.join(dir, SETTINGS_FILE)
    const stored = fs.existsSync(settingsFile) ? yield* decodeFile(Schema.partial(OnnxSettings), settingsFile) : {}
    const settings = yield* Schema.decodeUnknown(OnnxSettings)({ ...DEFAULT_ONNX_SETTINGS, ...stored, ...overrides }).pipe(
      Effect.mapError((e) => invalid(settingsFile, ParseResult.TreeFormatter.formatErrorSync(e)))
    )
    return { dir, modelFile, config, tokenizerJson, tokenizerConfig, settings }
  })

/** An operating point names a calibration of a tfjs guard; an exported classifier has none. */
export const noOperatingPoints = (dir: string) =>
  new GuardError({ reason: `${dir} is an ONNX guard: it has no operating points (its rule is the paper's fixed 0.5)` })

/** The server's early check (storage.ts checkModelDir) for an ONNX folder: its files decode; no operating point. */
export const checkOnnxFolder = (dir: string, operatingPoint?: string): Effect.Effect<void, GuardError> =>
  operatingPoint !== undefined
    ? Effect.fail(noOperatingPoints(dir))
    : Effect.asVoid(readOnnxFolder(dir))
