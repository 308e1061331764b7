/**
 * The tfjs backend, chosen once per process and held as a resource-scoped session.
 *
 * Preference: `@tensorflow/tfjs-node-gpu` (CUDA) > `@tensorflow/tfjs-node` (native CPU) > WASM
 * > plain JS CPU. The native packages are optional dependencies whose install downloads
 * libtensorflow; where that failed (offline machines) they are absent or broken, and their
 * dynamic import fails, so we fall through. WASM loads its binaries from the installed
 * package's dist folder (no download). The choice and the reason every better option was
 * skipped are logged once.
 *
 * tfjs keeps one global engine, so the choice is global too: later sessions reuse it.
 * A session's release reports tensors it left allocated (every tensor owner — a loaded guard,
 * a training run — disposes its own; the report makes a leak visible instead of silent).
 */
import { Context, Data, Effect, Layer } from "effect"
import * as tf from "@tensorflow/tfjs-core"
import "@tensorflow/tfjs-backend-cpu"
import { createRequire } from "node:module"
import * as path from "node:path"

export const BACKEND_NAMES = ["tfjs-node-gpu", "tfjs-node", "wasm", "cpu"] as const
export type BackendName = (typeof BACKEND_NAMES)[number]

export class BackendError extends Data.TaggedError("BackendError")<{ readonly reason: string }> {
  override get message() {
    return `no tfjs backend: ${this.reason}`
  }
}

export interface BackendService {
  readonly name: BackendName
  /** Why each preferred backend was skipped, in preference order. */
  readonly skipped: ReadonlyArray<{ readonly name: BackendName; readonly reason: string }>
  /** tfjs-core, bound to the chosen backend. */
  readonly tf: typeof tf
}

export class Backend extends Context.Tag("duoguard/Backend")<Backend, BackendService>() {}

const errorText = (e: unknown) => (e instanceof Error ? e.message.split("\n")[0] : String(e))

/** Folder holding the .wasm binaries of the installed @tensorflow/tfjs-backend-wasm. */
export const wasmDistDir = (): string => {
  const req = createRequire(import.meta.url)
  return path.join(path.dirname(req.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist") + path.sep
}

const tryNative = async (pkg: string): Promise<void> => {
  await import(/* @vite-ignore */ pkg)
  // tfjs-node registers the "tensorflow" backend; it also prefers GPU when built for it.
  if (!(await tf.setBackend("tensorflow"))) throw new Error(`${pkg} loaded but its backend did not initialize`)
}

const tryWasm = async (): Promise<void> => {
  const wasm = await import("@tensorflow/tfjs-backend-wasm")
  wasm.setWasmPaths(wasmDistDir())
  if (!(await tf.setBackend("wasm"))) throw new Error("the WASM backend did not initialize")
}

const tryCpu = async (): Promise<void> => {
  if (!(await tf.setBackend("cpu"))) throw new Error("the CPU backend did not initialize")
}

const attempts: Record<BackendName, () => Promise<void>> = {
  "tfjs-node-gpu": () => tryNative("@tensorflow/tfjs-node-gpu"),
  "tfjs-node": () => tryNative("@tensorflow/tfjs-node"),
  wasm: tryWasm,
  cpu: tryCpu
}

let chosen: Promise<Omit<BackendService, "tf">> | undefined

/**
 * Pick the best backend that loads (once per process). `DUOGUARD_BACKEND=wasm` (or `cpu`, ...)
 * restricts the choice to that one, for benchmarks and reproducibility checks.
 */
const choose = (only: BackendName | undefined): Promise<Omit<BackendService, "tf">> => {
  if (chosen) return chosen
  chosen = (async () => {
    // The CPU backend greets Node users with a banner on first use; it's noise in CLI output.
    tf.env().set("PROD", true)
    const skipped: Array<{ name: BackendName; reason: string }> = []
    for (const name of BACKEND_NAMES) {
      if (only && name !== only) {
        skipped.push({ name, reason: `DUOGUARD_BACKEND=${only}` })
        continue
      }
      try {
        await attempts[name]()
        await tf.ready()
        return { name, skipped }
      } catch (e) {
        skipped.push({ name, reason: errorText(e) })
      }
    }
    chosen = undefined
    throw new Error(skipped.map((s) => `${s.name}: ${s.reason}`).join("; "))
  })()
  return chosen
}

const parseOnly = (v: string | undefined): BackendName | undefined => {
  if (v === undefined || v === "") return undefined
  if ((BACKEND_NAMES as ReadonlyArray<string>).includes(v)) return v as BackendName
  throw new Error(`DUOGUARD_BACKEND="${v}" is not one of ${BACKEND_NAMES.join(", ")}`)
}

let logged = false

/**
 * The backend session. `log` receives one line describing the choice (default: stderr, once
 * per process); pass `() => {}` to silence it.
 */
export const BackendLive = (
  opts: { readonly only?: BackendName; readonly log?: (line: string) => void } = {}
): Layer.Layer<Backend, BackendError> =>
  Layer.scoped(
    Backend,
    Effect.acquireRelease(
      Effect.gen(function* () {
        const only = yield* Effect.try({
          try: () => opts.only ?? parseOnly(process.env.DUOGUARD_BACKEND),
          catch: (e) => new BackendError({ reason: errorText(e) })
        })
        const picked = yield* Effect.tryPromise({
          try: () => choose(only),
          catch: (e) => new BackendError({ reason: errorText(e) })
        })
        if (picked.name !== (only ?? picked.name)) {
          return yield* new BackendError({ reason: `backend ${picked.name} already active, ${only} requested` })
        }
        const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`))
        if (!logged || opts.log) {
          logged = true
          const why = picked.skipped.map((s) => `${s.name}: ${s.reason}`).join("; ")
          log(`[backend] using ${picked.name}${why ? ` (skipped ${why})` : ""}`)
        }
        return { service: { ...picked, tf } satisfies BackendService, baseline: tf.memory().numTensors }
      }),
      ({ baseline }) =>
        Effect.sync(() => {
          const left = tf.memory().numTensors - baseline
          if (left > 0) process.stderr.write(`[backend] warning: session ended with ${left} tensors still allocated\n`)
        })
    ).pipe(Effect.map(({ service }) => service))
  )
