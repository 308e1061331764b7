/**
 * The moderation server (OpenAI-compatible `POST /v1/moderations`, playground at `/`):
 *
 *   node --import tsx pipelines/serve.ts [--port N] [--host H] [--model DIR] [--operating-point NAME] [--workers N] [--config FILE] [--set key=value ...]
 *
 * Defaults: 127.0.0.1:8080, models/default, one worker process per core (at most 4), the
 * limits and batching of src/serve/config.ts (e.g. `--set batch.maxWaitMs=1`,
 * `--set playground=false`). Prints `listening on URL` on stdout once every worker is ready.
 * SIGTERM / SIGINT drain in-flight requests, then exit 0. Launch it with node itself (above):
 * `npx` / `npm run` do not forward signals, and the server would outlive its launcher.
 * DUOGUARD_API_KEY=… requires that key (Authorization: Bearer) on /v1/moderations and /metrics.
 */
import { Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import cluster from "node:cluster"
import { DEFAULT_SERVE_CONFIG, ServeConfig, workerCount } from "../src/serve/config.ts"
import { runPrimary } from "../src/serve/cluster.ts"
import { startServer } from "../src/serve/server.ts"
import { BackendLive } from "../src/runtime/backend.ts"
import { checkModelDir } from "../src/guard/storage.ts"
import { DEFAULT_MODEL_DIR } from "../src/guard/guard.ts"
import * as path from "node:path"
import { loadConfig } from "../src/runtime/config.ts"
import { operatingPointOption, optionalText, runCommandLine, setOption } from "../src/runtime/cli.ts"
import { steadyHeap } from "../src/serve/heap.ts"

const port = Options.integer("port").pipe(Options.withDescription("port (0 = any free port)"), Options.optional)
const host = optionalText("host", "interface to bind (default 127.0.0.1)")
const model = optionalText("model", "guard folder (default: models/default)")
const configFile = optionalText("config", "JSON config file")
const workers = Options.integer("workers").pipe(
  Options.withDescription("server processes sharing the port (0 = one per core, at most 4; 1 = no cluster)"),
  Options.optional
)
const set = setOption("limits.maxInputs=64")


/** This process serves, in its own backend session, until it is told to stop. */
const serveHere = (config: ServeConfig) =>
  Effect.gen(function* () {
    const server = yield* startServer(config)
    // A cluster worker reports to the primary, which prints the one `listening` line.
    if (cluster.isPrimary) yield* Console.log(`listening on ${server.url} (model ${server.model}, backend ${server.backend})`)
    return yield* Effect.never
  }).pipe(Effect.scoped, Effect.provide(BackendLive()))

const command = Command.make("serve", { port, host, model, operatingPoint: operatingPointOption, workers, configFile, set }, (args) =>
  Effect.gen(function* () {
    const apiKey = process.env.DUOGUARD_API_KEY
    const overrides = [
      // From the environment, so the key is not on the command line (visible to every user).
      ...(apiKey !== undefined && apiKey !== "" ? [`apiKey=${JSON.stringify(apiKey)}`] : []),
      ...Option.toArray(args.port).map((p) => `port=${p}`),
      ...Option.toArray(args.host).map((h) => `host=${JSON.stringify(h)}`),
      ...Option.toArray(args.model).map((m) => `modelDir=${JSON.stringify(m)}`),
      ...Option.toArray(args.operatingPoint).map((p) => `operatingPoint=${JSON.stringify(p)}`),
      ...Option.toArray(args.workers).map((w) => `workers=${w}`),
      ...args.set
    ]
    const config = yield* loadConfig(ServeConfig, DEFAULT_SERVE_CONFIG, {
      ...Option.match(args.configFile, { onNone: () => ({}), onSome: (file) => ({ file }) }),
      overrides
    })
    const processes = workerCount(config.workers)
    if (processes > 1 && cluster.isPrimary) {
      // The workers run this same command; each one takes the branch below.
      const log = (line: string) => process.stderr.write(`${line}\n`)
      // One clear error now, rather than one per worker after each has loaded the backend.
      yield* checkModelDir(config.modelDir === null ? DEFAULT_MODEL_DIR : path.resolve(config.modelDir), config.operatingPoint ?? undefined)
      const started = yield* runPrimary(processes, { drainTimeoutMs: config.drainTimeoutMs, log })
      yield* Console.log(`listening on ${started.url} (model ${started.model}, backend ${started.backend}, ${started.workers} workers)`)
      return yield* Effect.never
    }
    return yield* serveHere(config)
  }).pipe(
    Effect.scoped
  )
)

steadyHeap()
runCommandLine("serve", Command.run(command, { name: "serve", version: "0.1.0" })(process.argv))
