/**
 * A tiny guard trained on the guard tests' synthetic rows (seconds, deterministic), saved to a
 * temp folder, and an in-process server over it.
 */
import { Effect, Exit, Layer, Schema, Scope } from "effect"
import * as path from "node:path"
import { saveGuard } from "../../src/guard/storage.ts"
import { trainGuard } from "../../src/guard/train.ts"
import { BackendLive } from "../../src/runtime/backend.ts"
import { ProgressSilent } from "../../src/runtime/progress.ts"
import { DEFAULT_SERVE_CONFIG, ServeConfig } from "../../src/serve/config.ts"
import { startServer, type RunningServer } from "../../src/serve/server.ts"
import { syntheticRows, tinyConfig } from "../guard/fixtures.ts"
import { backendInScope } from "../support/backend.ts"
import { tempDir } from "../support/temp-dir.ts"

export const repoRoot = path.resolve(import.meta.dirname, "../..")

/** Train and save the tiny guard; returns its folder (a temp folder, removed after the test file). */
export const tinyModel = async (): Promise<{ dir: string }> => {
  const root = tempDir("serve-test")
  const dir = path.join(root, "model")
  const env = Layer.merge(BackendLive({ log: () => {} }), ProgressSilent)
  const trained = await Effect.runPromise(
    trainGuard(syntheticRows(600, 1), syntheticRows(150, 2), tinyConfig(), 5).pipe(Effect.provide(env))
  )
  await Effect.runPromise(saveGuard(trained, dir))
  return { dir }
}

export interface TestServer extends RunningServer {
  readonly close: () => Promise<void>
}

/** Start a server on a free loopback port with config overrides (e.g. `{ playground: false }`). */
export const testServer = async (
  modelDir: string,
  overrides: Record<string, unknown> = {},
  log: (line: string) => void = () => {}
): Promise<TestServer> => {
  const config = Schema.decodeUnknownSync(ServeConfig)({ ...DEFAULT_SERVE_CONFIG, port: 0, modelDir, playground: false, ...overrides })
  const scope = Effect.runSync(Scope.make())
  const server = await Effect.runPromise(startServer(config, { log }).pipe(Effect.provide(backendInScope), Scope.extend(scope)))
  return { ...server, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

export const postJson = (url: string, body: unknown) =>
  fetch(`${url}/v1/moderations`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
