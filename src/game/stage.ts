/**
 * A stage of the self-play game: it declares what it reads (its inputs: files, settings),
 * writes its outputs atomically under `runs/<run-id>/iter-<t>/`, then a `<stage>.done.json`
 * marker recording its resume key and the sha256 of what it wrote. Rerunning the same command
 * skips every stage whose marker matches (same key, outputs unchanged), so a run killed
 * mid-stage resumes where it stopped and ends with the same bytes as an uninterrupted one.
 *
 * The resume key is made of the declared inputs and nothing else, and `run` sees nothing but
 * their values: an input the stage uses is an input of its key, it cannot be forgotten.
 */
import { Data, Effect, type Scope } from "effect"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { writeFileAtomic } from "../data/parquet.ts"
import { stableJson } from "../runtime/json.ts"

export class StageError extends Data.TaggedError("StageError")<{
  readonly stage: string
  readonly dir: string
  readonly reason: string
}> {
  override get message() {
    return `stage ${this.stage} (${this.dir}): ${this.reason}`
  }
}

export const sha256File = (file: string): string => createHash("sha256").update(fs.readFileSync(file)).digest("hex")

export const sha256Json = (value: unknown): string => createHash("sha256").update(stableJson(value)).digest("hex")


// ─── inputs ───────────────────────────────────────────────────────────────────────────────

/** Something a stage reads: what identifies it (part of the resume key) and how to get it. */
export interface Input<A, E = never, R = never> {
  /** Files it is made of: their bytes are part of the key (an absent one counts as "missing"). */
  readonly files: ReadonlyArray<string>
  /** Whatever else it depends on (a config slice, the root seed, a rule), as JSON. */
  readonly settings: unknown
  /** Its value, read only when the stage runs. */
  readonly value: Effect.Effect<A, E, R>
}

// Any Input: `any` lets each one keep its own value, error and service types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyInput = Input<any, any, any>
export type Inputs = Readonly<Record<string, AnyInput>>
export type ValuesOf<I extends Inputs> = { readonly [K in keyof I]: Effect.Effect.Success<I[K]["value"]> }
type InputError<I extends Inputs> = { [K in keyof I]: Effect.Effect.Error<I[K]["value"]> }[keyof I]
type InputContext<I extends Inputs> = { [K in keyof I]: Effect.Effect.Context<I[K]["value"]> }[keyof I]

/** An input made of files (hashed), read by `value`. */
export const fromFiles = <A, E, R>(files: ReadonlyArray<string>, value: Effect.Effect<A, E, R>): Input<A, E, R> => ({ files, settings: null, value })

/** An input that is a setting (a config slice, a rule): its value is its identity. */
export const setting = <A>(value: A): Input<A> => ({ files: [], settings: value, value: Effect.succeed(value) })

// The hash of a large input (the seed table) is computed once per version of the file.
const hashes = new Map<string, string>()
const hashOf = (file: string): string => {
  let st: fs.BigIntStats
  try {
    st = fs.statSync(file, { bigint: true })
  } catch {
    return "missing"
  }
  const version = `${file}\u0000${st.ino}:${st.mtimeNs}:${st.size}`
  let h = hashes.get(version)
  if (h === undefined) hashes.set(version, (h = sha256File(file)))
  return h
}

/** The resume key: each input's file hashes and settings, by name. */
export const stageKey = (inputs: Inputs): string =>
  sha256Json(Object.fromEntries(Object.entries(inputs).map(([name, i]) => [name, { files: i.files.map(hashOf), settings: i.settings }])))

// ─── the stage ────────────────────────────────────────────────────────────────────────────

interface DoneMarker {
  readonly stage: string
  readonly key: string
  readonly outputs: Record<string, string>
}

export interface StageSpec<I extends Inputs, E, R> {
  readonly name: string
  /** Folder of the stage's outputs and marker, e.g. runs/default/iter-1. */
  readonly dir: string
  /** Everything the stage reads, by name: its resume key is made of these. */
  readonly inputs: I
  /**
   * Output file names, relative to `dir`; a name ending in `/` is a folder the stage writes,
   * every file under it an output. Any other file the run writes under `dir` is recorded too.
   */
  readonly outputs: ReadonlyArray<string>
  /** Compute and write the outputs (atomically) from the inputs' values. */
  readonly run: (inputs: ValuesOf<I>) => Effect.Effect<unknown, E, R>
}

const markerPath = (dir: string, name: string) => path.join(dir, `${name}.done.json`)

/** Every file under `dir` (relative, `/`-separated), each with what changes when it is rewritten. */
const snapshot = (dir: string): Map<string, string> => {
  const out = new Map<string, string>()
  const walk = (sub: string) => {
    let entries: Array<fs.Dirent>
    try {
      entries = fs.readdirSync(path.join(dir, sub), { withFileTypes: true })
    } catch {
      return
    }
    for (const e of entries) {
      const rel = sub === "" ? e.name : `${sub}/${e.name}`
      if (e.isDirectory()) walk(rel)
      else if (e.isFile()) {
        // writeFileAtomic renames a new file into place: a rewrite changes the inode even when
        // the bytes and the mtime's granularity do not.
        const st = fs.statSync(path.join(dir, rel), { bigint: true })
        out.set(rel, `${st.ino}:${st.mtimeNs}:${st.size}`)
      }
    }
  }
  walk("")
  return out
}

const readMarker = (file: string): DoneMarker | null => {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as DoneMarker
  } catch {
    return null
  }
}

/** True if the stage's marker exists, its key matches the inputs, and every output is unchanged on disk. */
export const isStageDone = (dir: string, name: string, inputs: Inputs): boolean => {
  const marker = readMarker(markerPath(dir, name))
  if (!marker || marker.key !== stageKey(inputs)) return false
  return Object.entries(marker.outputs).every(([file, hash]) => {
    const p = path.join(dir, file)
    return fs.existsSync(p) && sha256File(p) === hash
  })
}

/** Run the stage unless its marker says it is done; its inputs are read only when it runs (and released after). */
export const stage = <I extends Inputs, E, R>(
  spec: StageSpec<I, E, R>
): Effect.Effect<void, E | InputError<I> | StageError, Exclude<R | InputContext<I>, Scope.Scope>> =>
  Effect.gen(function* () {
    if (isStageDone(spec.dir, spec.name, spec.inputs)) {
      yield* Effect.logInfo(`✓ ${spec.name} (done earlier, resumed)`).pipe(Effect.annotateLogs("dir", spec.dir))
      return
    }
    yield* Effect.logInfo(`▶ ${spec.name}`).pipe(Effect.annotateLogs("dir", spec.dir))
    const key = stageKey(spec.inputs)
    fs.mkdirSync(spec.dir, { recursive: true })
    const before = snapshot(spec.dir)
    const values = Effect.all(Object.fromEntries(Object.entries(spec.inputs).map(([name, i]) => [name, i.value])))
    yield* Effect.scoped(Effect.flatMap(values as Effect.Effect<ValuesOf<I>, InputError<I>, InputContext<I>>, spec.run))
    const after = snapshot(spec.dir)
    const files = new Set<string>()
    for (const f of spec.outputs) {
      const isFolder = f.endsWith("/")
      const inside = isFolder ? [...after.keys()].filter((k) => k.startsWith(f)) : after.has(f) ? [f] : []
      if (inside.length === 0) {
        return yield* new StageError({ stage: spec.name, dir: spec.dir, reason: `declared output ${f} was not written` })
      }
      for (const k of inside) files.add(k)
    }
    // Files written beside the declared ones (a report's charts, its predictions) are
    // verified on resume like them: deleting or editing one reruns the stage.
    for (const [k, id] of after) if (before.get(k) !== id) files.add(k)
    const outputs: Record<string, string> = {}
    for (const f of [...files].sort()) outputs[f] = sha256File(path.join(spec.dir, f))
    const marker: DoneMarker = { stage: spec.name, key, outputs }
    yield* writeFileAtomic(markerPath(spec.dir, spec.name), JSON.stringify(marker, null, 2) + "\n").pipe(
      Effect.mapError((e) => new StageError({ stage: spec.name, dir: spec.dir, reason: e.message }))
    )
  })
