/**
 * The moderation server: @effect/platform's router on a Node HTTP server.
 *
 *   POST /v1/moderations   OpenAI-compatible moderation (api.ts), micro-batched (batcher.ts)
 *   GET  /healthz          {"status":"ok",…}; 503 {"status":"draining"} during shutdown
 *   GET  /metrics          Prometheus text (metrics.ts)
 *   GET  /                 the playground page; /playground.js, /model/model.json, /model/weights.bin
 *
 * Anything else is a 404 (unknown path) or 405 (known path, wrong method) in OpenAI's error
 * shape. Bad input never gets a 5xx; a 500 means a bug, and the server keeps serving. An API
 * key, the body's content type and CORS are checked as access.ts says (all off by default).
 *
 * Lifetime: `startServer` loads the model into the caller's backend session (the Backend
 * service), then acquires the batcher, the listening socket and the request handler, all in
 * the caller's scope. Closing the scope
 * (SIGTERM in pipelines/serve.ts) first drains: the socket stops accepting, idle keep-alive
 * connections are closed, answers get `Connection: close`, and in-flight requests finish (up
 * to `drainTimeoutMs`); then the handler, the batcher and the model are released.
 */
import { HttpMiddleware, HttpRouter, HttpServer, type HttpServerError, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Cause, Effect, Either, Exit, Schema, type Scope } from "effect"
import { randomUUID } from "node:crypto"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as path from "node:path"
import { DEFAULT_MODEL_DIR, GuardError } from "../guard/guard.ts"
import type { Backend } from "../runtime/backend.ts"
import { ModerationResponse, toModerationResult } from "./api.ts"
import { makeBatcher, type BatcherService } from "./batcher.ts"
import { readBody } from "./body.ts"
import type { ServeConfig } from "./config.ts"
import { settleClosedResponses } from "./closed-responses.ts"
import { isClusterWorker, joinCluster } from "./cluster.ts"
import { allowedOrigin, checkApiKey, checkContentType, corsHeaders, KEYED_PATHS, PREFLIGHT_HEADERS } from "./access.ts"
import { ApiError, errorBody } from "./errors.ts"
import { type MetricsSnapshot, ServeMetricsRegistry } from "./metrics.ts"
import { loadServedModel, type ServedModel } from "./model.ts"
import { buildPlayground, type PlaygroundAssets } from "./playground.ts"
import { decodeUtf8, parseJson, parseModeration } from "./request.ts"

export interface RunningServer {
  readonly url: string
  readonly port: number
  readonly model: string
  readonly backend: string
  readonly metrics: ServeMetricsRegistry
}

/** Paths the server knows and the methods each accepts (for 405 and the route label). */
const ROUTES: Readonly<Record<string, ReadonlyArray<string>>> = {
  "/v1/moderations": ["POST"],
  "/healthz": ["GET"],
  "/metrics": ["GET"],
  "/": ["GET"],
  "/playground.js": ["GET"],
  "/model/model.json": ["GET"],
  "/model/weights.bin": ["GET"]
}

const PLAYGROUND_PATHS = ["/", "/playground.js", "/model/model.json", "/model/weights.bin"]

const pathOf = (url: string) => {
  const q = url.indexOf("?")
  return q < 0 ? url : url.slice(0, q)
}
/** A bounded label: the route, never the raw URL (which a client controls). */
const routeLabel = (url: string) => {
  const p = pathOf(url)
  return p in ROUTES ? p : "other"
}

const shuttingDown = (drainTimeoutMs: number) =>
  new ApiError({
    status: 503,
    code: "shutting_down",
    message: `the server is shutting down and this request did not finish within ${drainTimeoutMs} ms; retry`,
    param: null
  })

const errorResponse = (e: ApiError) =>
  HttpServerResponse.unsafeJson(errorBody(e), {
    status: e.status,
    headers: {
      // A body refused before it was read may still be on its way: close rather than read it.
      ...(e.status === 401 || e.status === 413 || e.status === 415 ? { connection: "close" } : {}),
      ...(e.status === 401 ? { "www-authenticate": 'Bearer realm="duoguard"' } : {})
    }
  })

/** Body bytes → what to classify: UTF-8, then JSON, then shape and limits (request.ts). */
const parseBody = (bytes: Uint8Array, config: ServeConfig) =>
  Either.flatMap(Either.flatMap(decodeUtf8(bytes), parseJson), (json) => parseModeration(json, config.limits))

/**
 * The responses are encoded with their Schema, which validates every score and flag on the
 * way out (a NaN score would be a 500, never a malformed 200).
 */
const encodeResponse = Schema.encodeEither(ModerationResponse)

const moderationsRoute = (model: ServedModel, config: ServeConfig, metrics: ServeMetricsRegistry, batcher: BatcherService) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
    Effect.suspend(() => {
      const refused = checkContentType(request.headers["content-type"])
      return refused === undefined ? readBody(request, config.limits.maxBodyBytes) : Effect.fail(refused)
    }).pipe(
      Effect.flatMap((bytes) => parseBody(bytes, config)),
      Effect.flatMap((parsed) =>
        Effect.map(batcher.classify(parsed.turns, parsed.texts), (predictions) => {
          metrics.texts.inc({}, parsed.texts)
          let flagged = 0
          for (const p of predictions) if (p.flagged) flagged++
          if (flagged) metrics.results.inc({ flagged: "true" }, flagged)
          if (predictions.length > flagged) metrics.results.inc({ flagged: "false" }, predictions.length - flagged)
          return predictions
        })
      ),
      Effect.mapError((e) =>
        e._tag === "ApiError" ? e : new ApiError({ status: 500, code: "server_error", message: e.message, param: null })
      ),
      Effect.flatMap((predictions) => {
        const encoded = encodeResponse({
          id: `modr-${randomUUID().replace(/-/g, "")}`,
          model: model.name,
          results: predictions.map(toModerationResult)
        })
        return Either.isRight(encoded)
          ? Effect.succeed(HttpServerResponse.text(JSON.stringify(encoded.right), { contentType: "application/json" }))
          : Effect.fail(new ApiError({ status: 500, code: "server_error", message: `response failed validation: ${encoded.left.message}`, param: null }))
      })
    )
  )

/** Start serving in the caller's scope and backend session; resolves once the socket listens. */
export const startServer = (
  config: ServeConfig,
  options: { readonly log?: (line: string) => void } = {}
): Effect.Effect<RunningServer, GuardError | ApiError | HttpServerError.ServeError | Error, Backend | Scope.Scope> =>
  Effect.gen(function* () {
    const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`))
    const modelDir = config.modelDir === null ? DEFAULT_MODEL_DIR : path.resolve(config.modelDir)
    const model = yield* loadServedModel(modelDir, config.operatingPoint)
    const metrics = new ServeMetricsRegistry()
    const batcher = yield* makeBatcher(
      model.guard,
      { maxBatchTexts: config.batch.maxTexts, maxWaitMs: config.batch.maxWaitMs, queueCapacity: config.batch.queueCapacity },
      metrics
    )
    // An ONNX guard runs only here: the playground page has no model to run in the browser.
    const browserModel = model.modelJson !== null && model.weightsBin !== null ? { modelJson: model.modelJson, weightsBin: model.weightsBin } : null
    const assets: PlaygroundAssets | undefined = config.playground && browserModel !== null ? yield* buildPlayground(model.name) : undefined
    let draining = false
    // In a cluster worker: how to read every worker's metrics (set once listening).
    let collectAll: Effect.Effect<ReadonlyArray<MetricsSnapshot>> | undefined
    const renderMetrics = (snapshots?: ReadonlyArray<MetricsSnapshot>) => {
      if (snapshots === undefined) return metrics.render({ draining })
      const merged = ServeMetricsRegistry.merge(snapshots)
      return merged.registry.render({ draining, workers: snapshots.length, memory: merged.memory })
    }

    const bytes = (body: Uint8Array, contentType: string) =>
      Effect.succeed(HttpServerResponse.uint8Array(body, { contentType, headers: { "cache-control": "no-cache" } }))
    const playgroundRoutes = <E, R>(r: HttpRouter.HttpRouter<E, R>) =>
      assets === undefined || browserModel === null
        ? r
        : r.pipe(
            HttpRouter.get("/", Effect.succeed(HttpServerResponse.html(assets.html))),
            HttpRouter.get("/playground.js", bytes(assets.script, "text/javascript; charset=utf-8")),
            HttpRouter.get("/model/model.json", bytes(browserModel.modelJson, "application/json")),
            HttpRouter.get("/model/weights.bin", bytes(browserModel.weightsBin, "application/octet-stream"))
          )

    const router = HttpRouter.empty.pipe(
      HttpRouter.post("/v1/moderations", moderationsRoute(model, config, metrics, batcher)),
      HttpRouter.get(
        "/healthz",
        Effect.sync(() =>
          HttpServerResponse.unsafeJson(
            draining
              ? { status: "draining" }
              : { status: "ok", model: model.name, backend: model.guard.backend, uptime_s: Math.round((Date.now() - metrics.started) / 1000) },
            { status: draining ? 503 : 200 }
          )
        )
      ),
      HttpRouter.get(
        "/metrics",
        Effect.map(Effect.suspend(() => collectAll ?? Effect.succeed(undefined)), (snapshots) =>
          HttpServerResponse.text(renderMetrics(snapshots), { contentType: "text/plain; version=0.0.4; charset=utf-8" })
        )
      ),
      playgroundRoutes
    )

    // The API key and the CORS preflight come before routing: a wrong method on a keyed path
    // is a 401 for a client without the key, and a preflight never carries the key.
    const guarded = (
      request: HttpServerRequest.HttpServerRequest,
      origin: string | undefined
    ): Effect.Effect<HttpServerResponse.HttpServerResponse, Effect.Effect.Error<typeof router> | ApiError, Effect.Effect.Context<typeof router>> => {
      const p = pathOf(request.url)
      if (origin !== undefined && request.method === "OPTIONS" && p in ROUTES) {
        return Effect.succeed(HttpServerResponse.empty({ status: 204, headers: PREFLIGHT_HEADERS }))
      }
      const refused = config.apiKey !== null && KEYED_PATHS.has(p) ? checkApiKey(config.apiKey, request.headers["authorization"]) : undefined
      return refused === undefined ? router : Effect.fail(refused)
    }

    const handled = (request: HttpServerRequest.HttpServerRequest, origin: string | undefined) =>
      guarded(request, origin).pipe(
        Effect.catchTags({
          ApiError: errorResponse,
          RouteNotFound: (e) => {
            const p = pathOf(e.request.url)
            const allowed = p in ROUTES && (assets !== undefined || !PLAYGROUND_PATHS.includes(p)) ? ROUTES[p] : undefined
            return Effect.succeed(
              allowed
                ? HttpServerResponse.setHeader(
                    errorResponse(new ApiError({ status: 405, code: "method_not_allowed", message: `${e.request.method} is not allowed on ${p}; use ${allowed.join(", ")}`, param: null })),
                    "allow",
                    allowed.join(", ")
                  )
                : errorResponse(new ApiError({ status: 404, code: "unknown_route", message: `no route for ${e.request.method} ${p}`, param: null }))
            )
          }
        }),
        // A bug must not leave the client without an answer in our error shape.
        Effect.catchAllCause((cause) =>
          Cause.isInterruptedOnly(cause)
            ? Effect.failCause(cause)
            : Effect.sync(() => {
                log(`[serve] internal error: ${Cause.pretty(cause)}`)
                return errorResponse(new ApiError({ status: 500, code: "server_error", message: "internal error", param: null }))
              })
        ),
        // Here, not in `observe`: a middleware sees the response only after it was written.
        Effect.map((res) => {
          const withCors = origin === undefined ? res : HttpServerResponse.setHeaders(res, corsHeaders(origin))
          return draining ? HttpServerResponse.setHeader(withCors, "connection", "close") : withCors
        })
      )
    const app = Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
      handled(request, allowedOrigin(config.corsOrigins, request.headers["origin"]))
    )

    const observe = HttpMiddleware.make((handle) =>
      Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
        const t0 = performance.now()
        metrics.inflight++
        return handle.pipe(
          Effect.onExit((exit) =>
            Effect.sync(() => {
              metrics.inflight--
              const route = routeLabel(request.url)
              if (Exit.isSuccess(exit)) {
                const status = String(exit.value.status)
                metrics.requests.inc({ route, method: request.method, status })
                metrics.latency.observe((performance.now() - t0) / 1000, { route })
                if (exit.value.status >= 400) metrics.errors.inc({ status })
              } else if (Cause.isInterrupted(exit.cause)) {
                // The client left (the platform interrupts a request whose connection closed).
                metrics.aborted.inc({ route })
              } else {
                // The platform answered 500 after a failure that escaped the handlers.
                metrics.requests.inc({ route, method: request.method, status: "500" })
                metrics.errors.inc({ status: "500" })
              }
            })
          )
        )
      })
    )

    const nodeServer = http.createServer()
    settleClosedResponses(nodeServer)
    // Responses not yet finished, so the drain can answer those still waiting (a slow upload).
    const unfinished = new Set<http.ServerResponse>()
    nodeServer.prependListener("request", (_req: http.IncomingMessage, res: http.ServerResponse) => {
      unfinished.add(res)
      res.once("close", () => unfinished.delete(res))
    })
    const server = yield* NodeHttpServer.make(() => nodeServer, { port: config.port, host: config.host })
    yield* HttpServer.serveEffect(app, observe).pipe(
      Effect.provideService(HttpServer.HttpServer, server),
      // No tracing exporter is configured: skip building a span per request.
      Effect.locally(HttpMiddleware.currentTracerDisabledWhen, () => true)
    )

    // Added last, so it runs first on release: drain before the handler and the model go.
    yield* Effect.addFinalizer(() =>
      Effect.gen(function* () {
        draining = true
        const started = Date.now()
        const answeredBefore = metrics.requests.total()
        log(`[serve] draining ${metrics.inflight} in-flight request(s)`)
        nodeServer.close()
        nodeServer.closeIdleConnections()
        while (metrics.inflight > 0 && Date.now() - started < config.drainTimeoutMs) yield* Effect.sleep(5)
        if (metrics.inflight > 0) {
          log(`[serve] drain timeout: ${metrics.inflight} request(s) still in flight; answering 503`)
          // Rather than a connection cut with no answer: a 503 the client can retry elsewhere.
          const body = JSON.stringify(errorBody(shuttingDown(config.drainTimeoutMs)))
          const written: Array<Promise<void>> = []
          for (const res of unfinished) {
            if (res.headersSent || res.writableEnded) continue
            written.push(new Promise((done) => res.once("close", () => done())))
            res.writeHead(503, { "content-type": "application/json", "content-length": Buffer.byteLength(body), connection: "close" })
            res.end(body)
          }
          // Let the answers go out (bounded: a client that does not read them is cut below).
          yield* Effect.promise(() => Promise.all(written)).pipe(Effect.timeoutOption(1000))
        }
        nodeServer.closeAllConnections()
        const answered = metrics.requests.total()
        log(`[serve] drained in ${Date.now() - started} ms: ${answered - answeredBefore} answered during the drain, ${answered} in all`)
      })
    )

    const port = (nodeServer.address() as AddressInfo).port
    const host = config.host.includes(":") ? `[${config.host}]` : config.host
    const url = `http://${host}:${port}`
    if (isClusterWorker()) collectAll = (yield* joinCluster(metrics, { url, model: model.name, backend: model.guard.backend })).collect
    return { url, port, model: model.name, backend: model.guard.backend, metrics }
  })
