/**
 * Saving and reading a guard folder in Node: `model.json` + `weights.bin` (format.ts) and
 * `manifest.json` (what produced it: data hashes, seed, config, validation metrics, backend,
 * package versions; no timings, so the same run writes the same bytes). The folder is replaced atomically: everything is written to a sibling
 * temp folder, which is then renamed over the old one, so a crash never leaves a mix.
 */
import { Effect, Schema } from "effect"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { InputHash } from "../../schemas/manifest.ts"
import { GuardError } from "./errors.ts"
import { checkOnnxFolder, isOnnxGuardDir } from "./onnx/folder.ts"
import { decodeModel, encodeModel, MODEL_FILE, selectOperatingPoint, WEIGHTS_FILE, type DecodedModel } from "./format.ts"
import { parseLexicon, type Lexicon } from "./lexicon.ts"
import type { TrainedGuard } from "./train.ts"

export const MANIFEST_FILE = "manifest.json"

export const sha256 = (bytes: Uint8Array | string): string => createHash("sha256").update(bytes).digest("hex")

/** Versions of the packages that shape training and inference numerics. */
export const packageVersions = (): Record<string, string> => {
  const req = createRequire(import.meta.url)
  const out: Record<string, string> = { node: process.versions.node }
  for (const name of ["@tensorflow/tfjs-core", "@tensorflow/tfjs-backend-wasm", "@tensorflow/tfjs-backend-cpu", "effect"]) {
    try {
      out[name] = (JSON.parse(fs.readFileSync(req.resolve(`${name}/package.json`), "utf8")) as { version: string }).version
    } catch {
      out[name] = "unknown"
    }
  }
  return out
}

/** manifest.json: a RunManifest plus the guard's training report. */
export const GuardManifest = Schema.Struct({
  kind: Schema.Literal("guard"),
  createdBy: Schema.String,
  seed: Schema.Int,
  config: Schema.Unknown,
  inputs: Schema.Array(InputHash),
  outputs: Schema.Array(InputHash),
  packages: Schema.Record({ key: Schema.String, value: Schema.String }),
  backend: Schema.String,
  trainRows: Schema.Int,
  validationRows: Schema.Int,
  bestStep: Schema.Int,
  validation: Schema.Unknown,
  history: Schema.Unknown
})
export type GuardManifest = typeof GuardManifest.Type

export interface SaveOptions {
  /** The data the guard was trained on, as repo-relative paths with hashes. */
  readonly inputs: ReadonlyArray<{ readonly path: string; readonly sha256: string }>
  readonly createdBy: string
}

/** Write a trained guard to `dir` (replacing it atomically). Returns the manifest written. */
export const saveGuard = (
  trained: TrainedGuard,
  dir: string,
  opts: SaveOptions = { inputs: [], createdBy: "trainGuard" }
): Effect.Effect<GuardManifest, GuardError> =>
  Effect.try({
    try: () => {
      const { json, bin } = encodeModel(trained.weights, trained.features, trained.lexicon, trained.pieces)
      const manifest: GuardManifest = {
        kind: "guard",
        createdBy: opts.createdBy,
        seed: trained.seed,
        config: trained.config,
        inputs: opts.inputs.map((i) => ({ path: i.path, sha256: i.sha256 })),
        outputs: [
          { path: MODEL_FILE, sha256: sha256(json) },
          { path: WEIGHTS_FILE, sha256: sha256(bin) }
        ],
        packages: packageVersions(),
        backend: trained.backend,
        trainRows: trained.trainRows,
        validationRows: trained.validationRows,
        bestStep: trained.bestStep,
        validation: trained.validation,
        history: trained.history
      }
      const target = path.resolve(dir)
      const tmp = `${target}.tmp-${process.pid}`
      const old = `${target}.old-${process.pid}`
      fs.rmSync(tmp, { recursive: true, force: true })
      fs.mkdirSync(tmp, { recursive: true })
      fs.writeFileSync(path.join(tmp, MODEL_FILE), json)
      fs.writeFileSync(path.join(tmp, WEIGHTS_FILE), bin)
      // NaN (a metric undefined for a one-label group) is written as null by JSON.
      fs.writeFileSync(path.join(tmp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`)
      if (fs.existsSync(target)) fs.renameSync(target, old)
      fs.renameSync(tmp, target)
      fs.rmSync(old, { recursive: true, force: true })
      return manifest
    },
    catch: (e) => new GuardError({ reason: `cannot save guard to ${dir}: ${String(e)}` })
  })

const cannotRead = (file: string, e: unknown) => new GuardError({ reason: `cannot read ${file}: ${(e as Error).message}` })

/**
 * A guard folder's two files as bytes, model.json already rewritten to `operatingPoint` when
 * one is named (format.ts `selectOperatingPoint`): what the server both decodes and sends to
 * the playground page.
 */
export const readModelBytes = (dir: string, operatingPoint?: string): Effect.Effect<{ modelJson: Uint8Array; weightsBin: Uint8Array }, GuardError> =>
  Effect.gen(function* () {
    const stored = yield* readFile(path.join(dir, MODEL_FILE))
    const weightsBin = yield* readFile(path.join(dir, WEIGHTS_FILE))
    yield* verifyManifest(dir, { [MODEL_FILE]: stored, [WEIGHTS_FILE]: weightsBin })
    return { modelJson: yield* atOperatingPoint(dir, stored, operatingPoint), weightsBin }
  })

const ManifestOutputs = Schema.Struct({ outputs: Schema.Array(InputHash) })

/**
 * Check the files against the sha256 that manifest.json records for them: a bit flipped in
 * the weights can still decode to finite numbers and be served. Hashing the ~17 MB once per
 * load costs tens of ms. A folder without a manifest (one not written by saveGuard) is not checked.
 */
const verifyManifest = (dir: string, files: Readonly<Record<string, Uint8Array>>): Effect.Effect<void, GuardError> =>
  Effect.gen(function* () {
    const file = path.join(dir, MANIFEST_FILE)
    if (!fs.existsSync(file)) return
    const text = yield* readFile(file)
    const manifest = yield* Effect.try({
      try: () => Schema.decodeUnknownSync(ManifestOutputs)(JSON.parse(text.toString("utf8"))),
      catch: (e) => new GuardError({ reason: `invalid ${file}: ${(e as Error).message}` })
    })
    for (const [name, bytes] of Object.entries(files)) {
      const want = manifest.outputs.find((o) => o.path === name)?.sha256
      if (want === undefined) continue
      const got = sha256(bytes)
      if (got !== want) {
        return yield* new GuardError({
          reason: `${path.join(dir, name)} does not match its sha256 in ${MANIFEST_FILE} (${got.slice(0, 12)}… against ${want.slice(0, 12)}…): the file is damaged or was replaced`
        })
      }
    }
  })

const readFile = (file: string) => Effect.try({ try: () => fs.readFileSync(file), catch: (e) => cannotRead(file, e) })

/** model.json's bytes, rewritten to `operatingPoint` when one is named. */
const atOperatingPoint = (dir: string, stored: Buffer, operatingPoint?: string) =>
  operatingPoint === undefined
    ? Effect.succeed<Uint8Array>(stored)
    : Effect.try({
        try: (): Uint8Array => Buffer.from(selectOperatingPoint(stored.toString("utf8"), operatingPoint)),
        catch: (e) => new GuardError({ reason: `invalid guard in ${dir}: ${(e as Error).message}` })
      })

const readModelJson = (dir: string, operatingPoint?: string) =>
  Effect.flatMap(readFile(path.join(dir, MODEL_FILE)), (stored) => atOperatingPoint(dir, stored, operatingPoint))

/** Decode the bytes `readModelBytes` read; a GuardError names the folder and the bad part. */
export const decodeModelBytes = (dir: string, bytes: { readonly modelJson: Uint8Array; readonly weightsBin: Uint8Array }): Effect.Effect<DecodedModel, GuardError> =>
  Effect.try({
    try: () => decodeModel(new TextDecoder().decode(bytes.modelJson), bytes.weightsBin),
    catch: (e) => new GuardError({ reason: `invalid guard in ${dir}: ${(e as Error).message}` })
  })

/** Read and validate a guard folder's model files, optionally at a named operating point (format.ts). */
export const readModelDir = (dir: string, operatingPoint?: string): Effect.Effect<DecodedModel, GuardError> =>
  Effect.flatMap(readModelBytes(dir, operatingPoint), (bytes) => decodeModelBytes(dir, bytes))

/**
 * Fail early on a folder whose files cannot be read or that lacks the operating point, without
 * decoding the weights (the cluster primary's check before it forks workers that will).
 */
export const checkModelDir = (dir: string, operatingPoint?: string): Effect.Effect<void, GuardError> =>
  isOnnxGuardDir(dir) ? checkOnnxFolder(dir, operatingPoint) : Effect.zipRight(
    Effect.forEach([MODEL_FILE, WEIGHTS_FILE], (name) =>
      Effect.try({ try: () => fs.accessSync(path.join(dir, name), fs.constants.R_OK), catch: (e) => cannotRead(path.join(dir, name), e) }),
      { discard: true }
    ),
    // Only model.json holds the operating points: the weights are not read here.
    operatingPoint === undefined ? Effect.void : Effect.asVoid(readModelJson(dir, operatingPoint))
  )

/** The committed cross-lingual lexicon that training uses when `features.lexicon` is set. */
export const DEFAULT_LEXICON_FILE = path.resolve(import.meta.dirname, "../../datasets/lexicon.tsv")

/** Read and validate a lexicon file (lexicon.ts format). */
export const readLexiconFile = (file: string = DEFAULT_LEXICON_FILE): Effect.Effect<Lexicon, GuardError> =>
  Effect.try({
    try: () => parseLexicon(fs.readFileSync(file, "utf8")),
    catch: (e) =>
      new GuardError({
        reason: `cannot read the lexicon ${file}: ${(e as Error).message}` +
          ((e as NodeJS.ErrnoException).code === "ENOENT" ? " (rebuild it with `npx tsx pipelines/build-lexicon.ts`)" : "")
      })
  })
