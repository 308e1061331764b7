/**
 * The saved guard: `model.json` (a tfjs weights manifest plus the feature config, network
 * shape and, for models that use them, the cross-lingual lexicon and the subword pieces as text) and `weights.bin`
 * (the tensors, concatenated). The manifest follows tfjs's
 * `weightsManifest` layout, so `tf.io.decodeWeights` reads it in a browser as in Node; the
 * embedding table is stored as float16 (`quantization: {dtype: "float16"}`), which halves the
 * file at no measurable cost in accuracy, while the small dense layers stay float32.
 *
 * Browser-safe: no `node:` imports; encode/decode work on bytes.
 */
import { Schema } from "effect"
import { CATEGORY_IDS } from "../../schemas/taxonomy.ts"
import { FeatureConfig } from "./features.ts"
import { formatLexicon, parseLexicon, type Lexicon } from "./lexicon.ts"
import { formatPieces, parsePieces, type Pieces } from "./pieces.ts"
import { headInputSize, NUM_CATEGORIES, type GuardWeights, type ModelShape } from "./model.ts"

export const MODEL_FORMAT = "duoguard-ts/guard"
export const MODEL_VERSION = 1
export const MODEL_FILE = "model.json"
export const WEIGHTS_FILE = "weights.bin"

const WeightSpec = Schema.Struct({
  name: Schema.Literal("embedding", "w1", "b1", "w2", "b2"),
  shape: Schema.Array(Schema.Int.pipe(Schema.nonNegative())),
  dtype: Schema.Literal("float32"),
  quantization: Schema.optional(Schema.Struct({ dtype: Schema.Literal("float16") }))
})
type WeightSpec = typeof WeightSpec.Type

export const ModelFile = Schema.Struct({
  format: Schema.Literal(MODEL_FORMAT),
  version: Schema.Literal(MODEL_VERSION),
  categories: Schema.Array(Schema.String),
  features: FeatureConfig,
  shape: Schema.Struct({
    buckets: Schema.Int.pipe(Schema.positive()),
    dim: Schema.Int.pipe(Schema.positive()),
    hidden: Schema.Int.pipe(Schema.nonNegative())
  }),
  /** Calibration shift added to every logit (see calibrate.ts). */
  logitShift: Schema.Number,
  /**
   * Named alternative shifts from the same training run (the calibration under each class
   * prior, calibrate.ts), one of which equals `logitShift`: a user picks one at load time
   * (`selectOperatingPoint`). Absent in models saved before operating points.
   */
  operatingPoints: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Number })),
  /** The lexicon (lexicon.ts text format) when `features.lexicon` is set. */
  lexicon: Schema.optional(Schema.String),
  /** The subword pieces (pieces.ts text format) when `features.pieces` is set. */
  pieces: Schema.optional(Schema.String),
  weightsManifest: Schema.Tuple(
    Schema.Struct({ paths: Schema.Tuple(Schema.Literal(WEIGHTS_FILE)), weights: Schema.Array(WeightSpec) })
  )
})
export type ModelFile = typeof ModelFile.Type

// ---- float16 <-> float32 (IEEE 754 binary16, round to nearest even) -------------------------

const f32 = new Float32Array(1)
const u32 = new Uint32Array(f32.buffer)

export const toHalf = (x: number): number => {
  f32[0] = x
  const bits = u32[0]
  const sign = (bits >>> 16) & 0x8000
  const exp = (bits >>> 23) & 0xff
  let mant = bits & 0x7fffff
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0) // Inf / NaN
  let e = exp - 127 + 15
  if (e >= 0x1f) return sign | 0x7c00 // overflow → Inf
  if (e <= 0) {
    if (e < -10) return sign // underflow → ±0
    mant |= 0x800000
    const shift = 14 - e
    let half = mant >>> shift
    const rem = mant & ((1 << shift) - 1)
    const mid = 1 << (shift - 1)
    if (rem > mid || (rem === mid && (half & 1))) half++
    return sign | half
  }
  let half = (e << 10) | (mant >>> 13)
  const rem = mant & 0x1fff
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++ // may carry into the exponent: still correct
  return sign | half
}

export const fromHalf = (h: number): number => {
  const sign = h & 0x8000 ? -1 : 1
  const exp = (h >>> 10) & 0x1f
  const mant = h & 0x3ff
  if (exp === 0) return sign * mant * 2 ** -24
  if (exp === 0x1f) return mant ? Number.NaN : sign * Infinity
  return sign * (1 + mant / 1024) * 2 ** (exp - 15)
}

// ---- encode / decode -------------------------------------------------------------------------

/** float16 → float32 for all 65,536 codes: decoding the 8M-entry table by lookup is fast. */
let halfTable: Float32Array | undefined

const specsFor = (s: ModelShape): Array<WeightSpec> => [
  { name: "embedding", shape: [s.buckets, s.dim], dtype: "float32", quantization: { dtype: "float16" } },
  ...(s.hidden > 0
    ? ([
        { name: "w1", shape: [s.dim, s.hidden], dtype: "float32" },
        { name: "b1", shape: [s.hidden], dtype: "float32" }
      ] as const)
    : []),
  { name: "w2", shape: [headInputSize(s), NUM_CATEGORIES], dtype: "float32" },
  { name: "b2", shape: [NUM_CATEGORIES], dtype: "float32" }
]

const sizeOf = (spec: WeightSpec) => spec.shape.reduce((a, b) => a * b, 1)
const bytesOf = (spec: WeightSpec) => sizeOf(spec) * (spec.quantization ? 2 : 4)

/** Serialize weights + feature config. Same weights → same bytes (little-endian, fixed order). */
export const encodeModel = (
  w: GuardWeights,
  features: FeatureConfig,
  lexicon: Lexicon | null = null,
  pieces: Pieces | null = null
): { json: string; bin: Uint8Array } => {
  if (features.lexicon && lexicon === null) throw new Error("encodeModel: features.lexicon is set but no lexicon was given")
  if (features.pieces && pieces === null) throw new Error("encodeModel: features.pieces is set but no pieces were given")
  const specs = specsFor(w.shape)
  const bin = new Uint8Array(specs.reduce((a, s) => a + bytesOf(s), 0))
  const view = new DataView(bin.buffer)
  let at = 0
  for (const spec of specs) {
    const data = w[spec.name]
    if (data.length !== sizeOf(spec)) throw new Error(`weight ${spec.name}: ${data.length} values, shape says ${sizeOf(spec)}`)
    if (spec.quantization) for (let i = 0; i < data.length; i++, at += 2) view.setUint16(at, toHalf(data[i]), true)
    else for (let i = 0; i < data.length; i++, at += 4) view.setFloat32(at, data[i], true)
  }
  const file: ModelFile = {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    categories: [...CATEGORY_IDS],
    features,
    shape: w.shape,
    logitShift: w.logitShift,
    ...(w.operatingPoints ? { operatingPoints: w.operatingPoints } : {}),
    ...(features.lexicon && lexicon !== null ? { lexicon: formatLexicon(lexicon) } : {}),
    ...(features.pieces && pieces !== null ? { pieces: formatPieces(pieces) } : {}),
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs }]
  }
  return { json: `${JSON.stringify(file, null, 2)}\n`, bin }
}

/**
 * `model.json` text with `logitShift` set to the named operating point, so everything that
 * reads it (the server, the playground page, `decodeModel`) applies that shift. Throws an
 * Error naming the operating points the model has.
 */
export const selectOperatingPoint = (json: string, name: string): string => {
  let file: { logitShift?: unknown; operatingPoints?: Record<string, unknown> }
  try {
    file = JSON.parse(json)
  } catch (e) {
    throw new Error(`${MODEL_FILE} is not JSON: ${String(e)}`)
  }
  const points = file.operatingPoints ?? {}
  const shift = Object.hasOwn(points, name) ? points[name] : undefined
  if (typeof shift !== "number") {
    const known = Object.keys(points)
    throw new Error(
      `${MODEL_FILE} has no operating point ${JSON.stringify(name)}; ` +
        (known.length > 0 ? `it has: ${known.join(", ")}` : "it was saved without operating points (retrain it to get them)")
    )
  }
  return `${JSON.stringify({ ...file, logitShift: shift }, null, 2)}\n`
}

/** A decoded model folder: what `Featurizer` and `uploadWeights` need. */
export interface DecodedModel {
  readonly weights: GuardWeights
  readonly features: FeatureConfig
  /** Null unless `features.lexicon`. */
  readonly lexicon: Lexicon | null
  /** Null unless `features.pieces`. */
  readonly pieces: Pieces | null
}

/** A table a feature setting needs (`features.lexicon` → `lexicon`): parsed when the setting is on, else null. */
const optionalTable = <A>(on: boolean, text: string | undefined, name: string, parse: (text: string) => A): A | null => {
  if (!on) return null
  if (text === undefined) throw new Error(`${MODEL_FILE}: features.${name} is set but the file has no ${name}`)
  try {
    return parse(text)
  } catch (e) {
    throw new Error(`${MODEL_FILE}: ${(e as Error).message}`)
  }
}

/** Parse `model.json` text and `weights.bin` bytes; throws an Error naming the bad part. */
export const decodeModel = (json: string, bin: Uint8Array): DecodedModel => {
  let raw: unknown
  try {
    raw = JSON.parse(json)
  } catch (e) {
    throw new Error(`${MODEL_FILE} is not JSON: ${String(e)}`)
  }
  const decoded = Schema.decodeUnknownEither(ModelFile, { onExcessProperty: "ignore" })(raw)
  if (decoded._tag === "Left") throw new Error(`${MODEL_FILE}: ${decoded.left.message}`)
  const file = decoded.right
  if (file.categories.join(",") !== CATEGORY_IDS.join(",")) {
    throw new Error(`${MODEL_FILE}: categories [${file.categories.join(",")}] differ from the taxonomy`)
  }
  if (file.features.buckets !== file.shape.buckets) {
    throw new Error(`${MODEL_FILE}: features.buckets ${file.features.buckets} ≠ shape.buckets ${file.shape.buckets}`)
  }
  const lexicon = optionalTable(file.features.lexicon, file.lexicon, "lexicon", parseLexicon)
  const pieces = optionalTable(file.features.pieces, file.pieces, "pieces", parsePieces)
  const specs = file.weightsManifest[0].weights
  const expected = specsFor(file.shape)
  if (JSON.stringify(specs) !== JSON.stringify(expected)) {
    throw new Error(`${MODEL_FILE}: weightsManifest does not match shape ${JSON.stringify(file.shape)}`)
  }
  const total = specs.reduce((a, s) => a + bytesOf(s), 0)
  if (bin.byteLength !== total) throw new Error(`${WEIGHTS_FILE}: ${bin.byteLength} bytes, ${MODEL_FILE} describes ${total}`)
  // Copy into an aligned buffer once; typed-array views then decode without per-element calls.
  // (Little-endian host assumed, as tfjs does: every platform it runs on is.)
  const bytes = new Uint8Array(bin.byteLength)
  bytes.set(bin)
  const out: Record<string, Float32Array> = { w1: new Float32Array(0), b1: new Float32Array(0) }
  let at = 0
  for (const spec of specs) {
    const n = sizeOf(spec)
    let data: Float32Array
    if (spec.quantization) {
      const halves = new Uint16Array(bytes.buffer, at, n)
      halfTable ??= Float32Array.from({ length: 65536 }, (_, h) => fromHalf(h))
      data = new Float32Array(n)
      let bad = -1
      for (let i = 0; i < n; i++) {
        const h = halves[i]
        if ((h & 0x7c00) === 0x7c00) bad = i
        data[i] = halfTable[h]
      }
      if (bad >= 0) throw new Error(`${WEIGHTS_FILE}: ${spec.name}[${bad}] is not finite`)
    } else {
      data = new Float32Array(bytes.buffer.slice(at, at + 4 * n))
      for (let i = 0; i < n; i++) if (!Number.isFinite(data[i])) throw new Error(`${WEIGHTS_FILE}: ${spec.name}[${i}] is not finite`)
    }
    at += bytesOf(spec)
    out[spec.name] = data
  }
  return {
    weights: {
      shape: file.shape,
      embedding: out.embedding,
      w1: out.w1,
      b1: out.b1,
      w2: out.w2,
      b2: out.b2,
      logitShift: file.logitShift,
      ...(file.operatingPoints ? { operatingPoints: file.operatingPoints } : {})
    },
    features: file.features,
    lexicon,
    pieces
  }
}

/**
 * Weights exactly as they will be after a save/load round trip (the embedding through
 * float16), so metrics measured in memory are the shipped model's metrics.
 */
export const asStored = (w: GuardWeights): GuardWeights => {
  const embedding = new Float32Array(w.embedding.length)
  for (let i = 0; i < embedding.length; i++) embedding[i] = fromHalf(toHalf(w.embedding[i]))
  return { ...w, embedding }
}
