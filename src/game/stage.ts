/**
 * A stage of the self-play game: an Effect that writes its outputs (Parquet/JSON) atomically
 * under `runs/<run-id>/iter-<t>/`, then a `<stage>.done.json` marker recording what it was
 * computed from and the sha256 of what it wrote. Rerunning the same command skips every stage
 * whose marker matches (same key, outputs unchanged) — so a run killed mid-stage resumes where
 * it stopped and ends with the same bytes as an uninterrupted one.
 *
 * A stage always returns what `load` reads back from disk, never an in-memory value, so
 * downstream stages see the same thing whether the stage ran now or earlier.
 */
import { Data, Effect } from "effect"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { writeFileAtomic } from "../data/parquet.ts"

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

/** JSON with sorted object keys: the same value always hashes the same. */
export const stableJson = (value: unknown): string =>
  JSON.stringify(value, (_k, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
      : v
  )

interface DoneMarker {
  readonly stage: string
  readonly key: string
  readonly outputs: Record<string, string>
}

export interface StageSpec<A, E, R, E2, R2> {
  readonly name: string
  /** Folder of the iteration, e.g. runs/default/iter-1. */
  readonly dir: string
  /** Everything the result depends on (config slice, input file hashes): a change reruns the stage. */
  readonly key: unknown
  /**
   * Output file names, relative to `dir`; a name ending in `/` is a folder the stage writes,
   * every file under it an output. Any other file the run writes under `dir` is recorded too.
   */
  readonly outputs: ReadonlyArray<string>
  /** Compute and write the outputs (atomically). */
  readonly run: Effect.Effect<unknown, E, R>
  /** Read the outputs back. */
  readonly load: Effect.Effect<A, E2, R2>
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

/** True if the stage's marker exists, its key matches, and every output is unchanged on disk. */
export const isStageDone = (dir: string, name: string, key: unknown): boolean => {
  const marker = readMarker(markerPath(dir, name))
  if (!marker || marker.key !== sha256Json(key)) return false
  return Object.entries(marker.outputs).every(([file, hash]) => {
    const p = path.join(dir, file)
    return fs.existsSync(p) && sha256File(p) === hash
  })
}

export const stage = <A, E, R, E2, R2>(spec: StageSpec<A, E, R, E2, R2>): Effect.Effect<A, E | E2 | StageError, R | R2> =>
  Effect.gen(function* () {
    if (isStageDone(spec.dir, spec.name, spec.key)) {
      yield* Effect.logInfo(`✓ ${spec.name} (done earlier, resumed)`).pipe(Effect.annotateLogs("dir", spec.dir))
    } else {
      yield* Effect.logInfo(`▶ ${spec.name}`).pipe(Effect.annotateLogs("dir", spec.dir))
      fs.mkdirSync(spec.dir, { recursive: true })
      const before = snapshot(spec.dir)
      yield* spec.run
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
      const marker: DoneMarker = { stage: spec.name, key: sha256Json(spec.key), outputs }
      yield* writeFileAtomic(markerPath(spec.dir, spec.name), JSON.stringify(marker, null, 2) + "\n").pipe(
        Effect.mapError((e) => new StageError({ stage: spec.name, dir: spec.dir, reason: e.message }))
      )
    }
    return yield* spec.load
  })
