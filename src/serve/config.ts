/**
 * Everything that shapes the server, as one Schema with defaults (`pipelines/serve.ts` takes
 * `--config FILE` and `--set key=value` on top, through `loadConfig`).
 */
import { Schema } from "effect"
import * as os from "node:os"

const PositiveInt = Schema.Int.pipe(Schema.positive())

export const ServeConfig = Schema.Struct({
  /** Interface to bind; loopback by default: exposing the guard is the operator's decision. */
  host: Schema.String,
  /** 0 picks a free port (printed at start). */
  port: Schema.Int.pipe(Schema.between(0, 65535)),
  /** Guard folder (model.json + weights.bin); null = the shipped models/default. */
  modelDir: Schema.NullOr(Schema.String),
  /**
   * A calibration saved with the model (its model.json `operatingPoints`, e.g. "observed" for
   * fewer false flags on mostly-benign traffic); null = the model's own. The playground page
   * gets the same one.
   */
  operatingPoint: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
  limits: Schema.Struct({
    /** Request body, in bytes (413 above). */
    maxBodyBytes: PositiveInt,
    /** Strings or chat messages per request (400 above). */
    maxInputs: PositiveInt,
    /** Unicode code points per string or message (400 above). */
    maxChars: PositiveInt
  }),
  batch: Schema.Struct({
    /** Texts per model call. */
    maxTexts: PositiveInt,
    /** How long the first request of a batch waits for company, in ms. */
    maxWaitMs: Schema.Number.pipe(Schema.finite(), Schema.nonNegative()),
    /** Requests that may wait for the model; more are answered 503 `overloaded`. */
    queueCapacity: PositiveInt
  }),
  /**
   * Server processes on the one port (Node cluster); 0 = one per core, at most
   * MAX_AUTO_WORKERS. One process uses at most one core (src/serve/cluster.ts).
   */
  workers: Schema.Int.pipe(Schema.between(0, 64)),
  /** On SIGTERM, how long in-flight requests get to finish before the process exits anyway. */
  drainTimeoutMs: Schema.Int.pipe(Schema.nonNegative()),
  /** Serve the playground page (its script is bundled at start, ~1 s). */
  playground: Schema.Boolean,
  /**
   * Require `Authorization: Bearer <apiKey>` on /v1/moderations and /metrics (401 without);
   * null = open. pipelines/serve.ts reads it from DUOGUARD_API_KEY, so it stays off the command line.
   */
  apiKey: Schema.optionalWith(Schema.NullOr(Schema.String.pipe(Schema.minLength(1))), { default: () => null }),
  /** Browser origins allowed to call the API (CORS), e.g. ["https://app.example"]; ["*"] = any; [] = none. */
  corsOrigins: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] })
})
export type ServeConfig = typeof ServeConfig.Type

export const DEFAULT_SERVE_CONFIG: typeof ServeConfig.Encoded = {
  host: "127.0.0.1",
  port: 8080,
  modelDir: null,
  operatingPoint: null,
  limits: { maxBodyBytes: 1 << 20, maxInputs: 256, maxChars: 32_768 },
  // A conversation of maxInputs messages can yield maxInputs + 1 texts (a leading reply).
  batch: { maxTexts: 257, maxWaitMs: 2, queueCapacity: 4096 },
  workers: 0,
  drainTimeoutMs: 10_000,
  playground: true,
  apiKey: null,
  corsOrigins: []
}

/** Each worker holds its own model (~450 MiB resident here): auto mode stops at this many. */
export const MAX_AUTO_WORKERS = 4

/** How many server processes `config.workers` asks for on this machine. */
export const workerCount = (workers: number): number => (workers > 0 ? workers : Math.max(1, Math.min(os.availableParallelism(), MAX_AUTO_WORKERS)))
