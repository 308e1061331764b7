/**
 * The tests' tfjs backend session (silent). `backendInScope` lives as long as the Scope the
 * effect is given, for a guard or server kept beyond the effect that made it.
 */
import { Layer } from "effect"
import { BackendLive } from "../../src/runtime/backend.ts"

export const testBackend = BackendLive({ log: () => {} })
export const backendInScope = Layer.extendScope(testBackend)
