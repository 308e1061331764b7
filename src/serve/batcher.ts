/**
 * Micro-batching: requests that arrive together share one forward pass of the guard.
 *
 * Each request puts a job (its turns and how to answer it) on a queue and suspends. One fiber
 * takes the first job, then keeps taking until the batch holds `maxBatchTexts` texts or
 * `maxWaitMs` has passed since the first one, and classifies all their turns in a single
 * `classifyConversation` call (a plain text is a turn without a reply, which the guard scores
 * exactly like `classify`). While the queue is empty it sleeps until a request arrives, then
 * lets the event loop parse the others already on the sockets (setImmediate) so they join:
 * with 64 clients a batch holds ~30–60 requests, and a forward pass costs about as much for
 * 60 texts as for 6. A lone request waits at most `maxWaitMs`.
 *
 * The queue is a plain array and each request suspends in one `Effect.async`: an Effect
 * `Queue` + `Deferred` per request made up ~11 % of the server's allocations (V8's sampling
 * heap profiler, 107 → 95 KB per request), and allocation drives the garbage collector.
 *
 * A job whose client disconnected before its batch ran is skipped. More than `queueCapacity`
 * waiting requests are refused (503, the client may retry), so memory stays bounded under
 * overload; with the default of 4,096 and 64 clients that never happens.
 */
import { Effect, type Scope } from "effect"
import type { Prediction } from "../../schemas/prediction.ts"
import { GuardError, type Guard } from "../guard/guard.ts"
import type { Turn } from "./conversation.ts"
import { ApiError } from "./errors.ts"
import type { ServeMetricsRegistry } from "./metrics.ts"

export interface BatcherOptions {
  readonly maxBatchTexts: number
  readonly maxWaitMs: number
  /** Requests allowed to wait; more are answered 503 (overloaded). */
  readonly queueCapacity: number
}

export interface BatcherService {
  readonly classify: (turns: ReadonlyArray<Turn>, texts: number) => Effect.Effect<ReadonlyArray<Prediction>, GuardError | ApiError>
}

interface Job {
  readonly turns: ReadonlyArray<Turn>
  readonly texts: number
  readonly answer: (result: Effect.Effect<ReadonlyArray<Prediction>, GuardError>) => void
  cancelled: boolean
}

export const overloaded = (capacity: number) =>
  new ApiError({
    status: 503,
    code: "overloaded",
    message: `the server has ${capacity} requests waiting for the model; retry shortly`,
    param: null
  })

const shuttingDown = () => new GuardError({ reason: "the server is shutting down" })

export const makeBatcher = (
  guard: Guard,
  options: BatcherOptions,
  metrics: ServeMetricsRegistry
): Effect.Effect<BatcherService, never, Scope.Scope> =>
  Effect.gen(function* () {
    // Jobs in arrival order; `head` is the next to take (shifting an array is O(n)). A taken
    // slot is cleared at once: a job holds its request's fiber, which would otherwise stay
    // reachable until the array is compacted (up to 1,024 requests later).
    let queue: Array<Job | undefined> = []
    let head = 0
    // Set while the batching fiber waits on an empty queue; the next job wakes it.
    let wake: (() => void) | undefined
    let closed = false

    const take = (): Job | undefined => {
      if (head === queue.length) return undefined
      const job = queue[head]
      queue[head++] = undefined
      if (head > 1024 && head * 2 > queue.length) {
        queue = queue.slice(head)
        head = 0
      }
      return job
    }
    /**
     * Sleep until a job arrives (or `deadline`, a performance.now() time, passes). A new job
     * resumes the fiber after the event loop's current poll phase (setImmediate), so the other
     * requests already on the sockets are parsed and join the same batch. Nothing spins while
     * the queue is empty: at a moderate load that spinning cost ~20 % more CPU per request.
     */
    const waitForJobs = (deadline?: number) =>
      Effect.async<void>((resume) => {
        let timer: NodeJS.Timeout | undefined
        let immediate: NodeJS.Immediate | undefined
        wake = () => {
          wake = undefined
          if (timer !== undefined) clearTimeout(timer)
          immediate = setImmediate(() => resume(Effect.void))
        }
        if (deadline !== undefined) {
          timer = setTimeout(() => {
            wake = undefined
            resume(Effect.void)
          }, Math.max(0, deadline - performance.now()))
        }
        return Effect.sync(() => {
          wake = undefined
          if (timer !== undefined) clearTimeout(timer)
          if (immediate !== undefined) clearImmediate(immediate)
        })
      })

    const run = (batch: ReadonlyArray<Job>) =>
      Effect.gen(function* () {
        const live = batch.filter((j) => !j.cancelled)
        if (live.length < batch.length) metrics.skipped.inc({}, batch.length - live.length)
        if (live.length === 0) return
        inBatch = live
        const turns = live.flatMap((j) => j.turns)
        const texts = live.reduce((a, j) => a + j.texts, 0)
        const t0 = performance.now()
        // A defect must fail this batch's requests, not kill the batching fiber.
        const result = yield* Effect.either(
          guard.classifyConversation(turns).pipe(
            Effect.catchAllDefect((d) => Effect.fail(new GuardError({ reason: `model call failed: ${String(d)}` })))
          )
        )
        metrics.modelSeconds.observe((performance.now() - t0) / 1000)
        metrics.modelCalls.inc()
        metrics.batchTexts.observe(texts)
        metrics.batchRequests.observe(live.length)
        inBatch = []
        let at = 0
        for (const job of live) {
          job.answer(result._tag === "Left" ? Effect.fail(result.left) : Effect.succeed(result.right.slice(at, (at += job.turns.length))))
        }
      })

    // A job taken from the queue that did not fit the batch opens the next one.
    let carried: Job | undefined
    // The jobs of the model call in progress (answered if the batcher is closed under it).
    let inBatch: ReadonlyArray<Job> = []
    const next = Effect.gen(function* () {
      let first = carried ?? take()
      carried = undefined
      while (first === undefined) {
        yield* waitForJobs()
        first = take()
      }
      const batch = [first]
      let texts = first.texts
      const deadline = performance.now() + options.maxWaitMs
      while (texts < options.maxBatchTexts) {
        // Whatever is already queued joins at once; when the queue is empty, wait for more
        // until the deadline.
        const job = take()
        if (job === undefined) {
          if (performance.now() >= deadline) break
          yield* waitForJobs(deadline)
          continue
        }
        if (texts + job.texts > options.maxBatchTexts) {
          carried = job
          break
        }
        batch.push(job)
        texts += job.texts
      }
      metrics.queued = queue.length - head + (carried ? 1 : 0)
      yield* run(batch)
    })

    yield* Effect.forkScoped(Effect.forever(next))
    // Requests still waiting when the batcher goes are answered, never left hanging. (Added
    // after the fork, so it runs before the batching fiber is interrupted.)
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        closed = true
        const left = [...inBatch, ...(carried ? [carried] : []), ...queue.slice(head).filter((j) => j !== undefined)]
        queue = []
        head = 0
        carried = undefined
        inBatch = []
        for (const job of left) job.answer(Effect.fail(shuttingDown()))
      })
    )

    return {
      classify: (turns, texts) => {
        if (closed) return Effect.fail(shuttingDown())
        if (queue.length - head >= options.queueCapacity) return Effect.fail(overloaded(options.queueCapacity))
        return Effect.async<ReadonlyArray<Prediction>, GuardError>((resume) => {
          const job: Job = { turns, texts, answer: resume, cancelled: false }
          queue.push(job)
          wake?.()
          // The client left: its job is skipped when its batch comes.
          return Effect.sync(() => {
            job.cancelled = true
          })
        })
      }
    } satisfies BatcherService
  })
