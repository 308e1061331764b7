/**
 * Several server processes on one port (Node's `cluster`), so the server uses every core.
 *
 * One process serves at most one core: the Effect runtime and Node's HTTP stack cost ~0.4 ms
 * of CPU per request, the model ~0.1 ms (bench/serve.md). With `workers` > 1 the primary
 * process only forks the workers and hands them connections; each worker is a whole server
 * (its own model, batcher and metrics) started by `startServer`.
 *
 * - Start-up: the primary prints `listening on URL` once every worker listens. A worker that
 *   exits before listening (bad model folder, port taken) stops the others and fails the start.
 * - A worker that dies later is replaced, unless workers keep dying (then the primary stops).
 * - SIGTERM / SIGINT to the primary: every worker drains as a single server would, then the
 *   primary exits (0 when every worker exited 0).
 * - `GET /metrics` on any worker answers for all of them: the worker asks the primary, the
 *   primary asks every worker for a snapshot and sends them back, the worker sums them
 *   (`ServeMetricsRegistry.merge`). A worker that does not answer within a second is left out
 *   (`duoguard_workers` says how many are summed).
 */
import cluster, { type Worker } from "node:cluster"
import { Effect, type Scope } from "effect"
import type { MetricsSnapshot, ServeMetricsRegistry } from "./metrics.ts"

/** Messages between the primary and its workers (all carry `duoguard`, to ignore others). */
type Message =
  | { readonly duoguard: "listening"; readonly url: string; readonly model: string; readonly backend: string }
  | { readonly duoguard: "collect"; readonly id: number }
  | { readonly duoguard: "snapshot?"; readonly id: number }
  | { readonly duoguard: "snapshot"; readonly id: number; readonly snapshot: MetricsSnapshot }
  | { readonly duoguard: "snapshots"; readonly id: number; readonly snapshots: ReadonlyArray<MetricsSnapshot> }

const isMessage = (m: unknown): m is Message => typeof m === "object" && m !== null && "duoguard" in m

const SNAPSHOT_TIMEOUT_MS = 1000
/** More unexpected worker deaths than this within RESTART_WINDOW_MS stop the server. */
const MAX_RESTARTS = 5
const RESTART_WINDOW_MS = 60_000

export const isClusterWorker = (): boolean => cluster.isWorker

export interface StartedCluster {
  readonly url: string
  readonly model: string
  readonly backend: string
  readonly workers: number
}

/**
 * The primary: fork `workers` copies of this same command, wait until all listen, and keep
 * them running until the scope closes (which drains them). Fails if a worker cannot start.
 */
export const runPrimary = (
  workers: number,
  options: { readonly drainTimeoutMs: number; readonly log: (line: string) => void }
): Effect.Effect<StartedCluster, Error, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ started: StartedCluster; stop: () => Promise<void> }, Error>((resume) => {
      const live = new Set<Worker>()
      const listening = new Set<Worker>()
      let started: StartedCluster | undefined
      let stopping = false
      const deaths: Array<number> = []
      let nextId = 1
      // Metrics requests the primary is answering: id → who asked, snapshots so far.
      const pending = new Map<
        number,
        { from: Worker; askerId: number; waiting: Set<Worker>; snapshots: Array<MetricsSnapshot>; timer: NodeJS.Timeout }
      >()

      const finishCollect = (id: number) => {
        const p = pending.get(id)
        if (!p) return
        clearTimeout(p.timer)
        pending.delete(id)
        // The answer goes back under the asker's own id.
        if (live.has(p.from)) p.from.send({ duoguard: "snapshots", id: p.askerId, snapshots: p.snapshots } satisfies Message)
      }

      const onMessage = (worker: Worker, message: unknown) => {
        if (!isMessage(message)) return
        switch (message.duoguard) {
          case "listening": {
            listening.add(worker)
            if (started === undefined && listening.size === workers) {
              started = { url: message.url, model: message.model, backend: message.backend, workers }
              resume(Effect.succeed({ started, stop }))
            }
            return
          }
          case "collect": {
            const id = nextId++
            const waiting = new Set([...listening].filter((w) => live.has(w)))
            const timer = setTimeout(() => finishCollect(id), SNAPSHOT_TIMEOUT_MS)
            pending.set(id, { from: worker, askerId: message.id, waiting, snapshots: [], timer })
            for (const w of waiting) w.send({ duoguard: "snapshot?", id } satisfies Message)
            if (waiting.size === 0) finishCollect(id)
            return
          }
          case "snapshot": {
            const p = pending.get(message.id)
            if (!p || !p.waiting.delete(worker)) return
            p.snapshots.push(message.snapshot)
            if (p.waiting.size === 0) finishCollect(message.id)
            return
          }
        }
      }
      const fork = () => {
        const worker = cluster.fork()
        live.add(worker)
        worker.on("exit", (code, signal) => {
          live.delete(worker)
          listening.delete(worker)
          for (const [id, p] of pending) if (p.waiting.delete(worker) && p.waiting.size === 0) finishCollect(id)
          if (stopping) return
          const how = signal ? `signal ${signal}` : `code ${code}`
          if (started === undefined) {
            stopAll()
            resume(Effect.fail(new Error(`a server worker exited during start-up (${how}); its error is printed above`)))
            return
          }
          const now = Date.now()
          deaths.push(now)
          while (deaths.length > 0 && deaths[0] < now - RESTART_WINDOW_MS) deaths.shift()
          if (deaths.length > MAX_RESTARTS) {
            options.log(`[serve] workers keep dying (${deaths.length} in ${RESTART_WINDOW_MS / 1000} s, last: ${how}); stopping`)
            void stop().then(() => process.exit(1))
            return
          }
          options.log(`[serve] worker ${worker.process.pid} died (${how}); starting a replacement`)
          fork()
        })
      }

      const stopAll = () => {
        stopping = true
        for (const w of live) w.process.kill("SIGTERM")
      }
      const stop = () =>
        new Promise<void>((done) => {
          stopAll()
          if (live.size === 0) {
            cluster.off("message", onMessage)
            return done()
          }
          // A worker that outlives its own drain timeout by far is killed.
          const killer = setTimeout(() => {
            for (const w of live) w.process.kill("SIGKILL")
          }, options.drainTimeoutMs + 5000)
          const check = () => {
            if (live.size === 0) {
              clearTimeout(killer)
              cluster.off("message", onMessage)
              done()
            }
          }
          for (const w of live) w.on("exit", () => setImmediate(check))
        })

      cluster.on("message", onMessage)
      for (let i = 0; i < workers; i++) fork()
      return Effect.sync(stopAll)
    }),
    ({ stop }) => Effect.promise(stop)
  ).pipe(Effect.map(({ started }) => started))

/**
 * In a worker: tell the primary it listens, and answer for the metrics of all workers.
 * Returns how to read them all; outside a cluster it is never called.
 */
export const joinCluster = (
  metrics: ServeMetricsRegistry,
  info: { readonly url: string; readonly model: string; readonly backend: string }
): Effect.Effect<{ readonly collect: Effect.Effect<ReadonlyArray<MetricsSnapshot>> }, never, Scope.Scope> =>
  Effect.gen(function* () {
    let nextId = 1
    const waiting = new Map<number, (snapshots: ReadonlyArray<MetricsSnapshot>) => void>()
    const onMessage = (message: unknown) => {
      if (!isMessage(message)) return
      if (message.duoguard === "snapshot?") process.send?.({ duoguard: "snapshot", id: message.id, snapshot: metrics.snapshot() } satisfies Message)
      else if (message.duoguard === "snapshots") {
        const answer = waiting.get(message.id)
        waiting.delete(message.id)
        answer?.(message.snapshots)
      }
    }
    yield* Effect.acquireRelease(
      Effect.sync(() => process.on("message", onMessage)),
      () => Effect.sync(() => process.off("message", onMessage))
    )
    process.send?.({ duoguard: "listening", ...info } satisfies Message)
    const collect = Effect.async<ReadonlyArray<MetricsSnapshot>>((resume) => {
      const id = nextId++
      // Without an answer (the primary is gone), this worker's own metrics are better than none.
      const timer = setTimeout(() => {
        waiting.delete(id)
        resume(Effect.succeed([metrics.snapshot()]))
      }, 2 * SNAPSHOT_TIMEOUT_MS)
      waiting.set(id, (snapshots) => {
        clearTimeout(timer)
        resume(Effect.succeed(snapshots.length > 0 ? snapshots : [metrics.snapshot()]))
      })
      process.send?.({ duoguard: "collect", id } satisfies Message)
      return Effect.sync(() => {
        clearTimeout(timer)
        waiting.delete(id)
      })
    })
    return { collect }
  })
