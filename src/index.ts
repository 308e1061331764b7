/**
 * Public Promise API for users who don't use Effect:
 *
 *   const guard = await createGuard()          // models/default
 *   const [p] = await guard.classify(["how do I kill a python process?"])
 *   p.flagged, p.unsafe, p.categories.C1 ...
 *   await guard.close()
 */
import { Cause, Effect, Exit, Layer, Scope } from "effect"
import type { Prediction } from "../schemas/prediction.ts"
import { GuardError, loadGuard, type LoadOptions } from "./guard/guard.ts"
import { BackendLive } from "./runtime/backend.ts"

export type { Prediction } from "../schemas/prediction.ts"
export type { LoadOptions } from "./guard/guard.ts"
export { CATEGORY_IDS, CATEGORY_NAMES, FLAG_THRESHOLD } from "../schemas/taxonomy.ts"
export { canonicalize } from "./guard/canonicalize.ts"

export interface ConversationTurn {
  readonly prompt: string
  readonly response?: string
}

export interface GuardClient {
  readonly modelDir: string
  readonly backend: string
  classify(texts: ReadonlyArray<string>): Promise<Array<Prediction>>
  classifyConversation(turns: ReadonlyArray<ConversationTurn>): Promise<Array<Prediction>>
  /** Frees the model's tensors. Further calls reject. */
  close(): Promise<void>
}

/** Run an effect; reject with its own error (e.g. the GuardError), not a wrapper. */
const run = <A, E>(effect: Effect.Effect<A, E>): Promise<A> =>
  Effect.runPromiseExit(effect).then((exit) =>
    Exit.isSuccess(exit) ? exit.value : Promise.reject(Cause.squash(exit.cause))
  )

/** Load a guard (default: the shipped models/default). Rejects with a GuardError naming the problem. */
export const createGuard = async (modelDir?: string, options: LoadOptions = {}): Promise<GuardClient> => {
  const scope = Effect.runSync(Scope.make())
  // The backend session lives as long as the guard: both close with `scope`.
  const backend = Layer.extendScope(BackendLive()).pipe(Layer.mapError((e) => new GuardError({ reason: e.message })))
  const guard = await run(loadGuard(modelDir, options).pipe(Effect.provide(backend), Scope.extend(scope))).catch(async (e: unknown) => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    throw e
  })
  let closed = false
  const ensureOpen = () => {
    if (closed) throw new Error(`guard ${guard.modelDir} is closed`)
  }
  return {
    modelDir: guard.modelDir,
    backend: guard.backend,
    classify: async (texts) => {
      ensureOpen()
      return [...(await run(guard.classify(texts)))]
    },
    classifyConversation: async (turns) => {
      ensureOpen()
      return [...(await run(guard.classifyConversation(turns)))]
    },
    close: async () => {
      if (closed) return
      closed = true
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  }
}
