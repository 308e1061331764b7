/**
 * Micro-batching: requests that arrive together share one forward pass of the guard.
 *
 * Each request puts a job (its turns and a Deferred) on a queue. One fiber takes the first
 * job, then keeps taking until the batch holds `maxBatchTexts` texts or `maxWaitMs` has passed
 * since the first one, and classifies all their turns in a single `classifyConversation` call
 * (a plain text is a turn without a reply, which the guard scores exactly like `classify`).
 * While the queue is empty it yields to the event loop (setImmediate), so requests already
 * waiting on the sockets are parsed and join: with 64 clients a batch holds ~60 requests,
 * and a forward pass costs about as much for 60 texts as for 6. A lone request waits at most
 * `maxWaitMs`.
 *
 * A job whose client disconnected before its batch ran is skipped.
 */
import { Deferred, Effect, Option, Queue, type Scope } from "effect"
import type { Prediction } from "../../schemas/prediction.ts"
import { GuardError, type Guard } from "../guard/guard.ts"
import type { Turn } from "./conversation.ts"
import type { ServeMetricsRegistry } from "./metrics.ts"

export interface BatcherOptions {
  readonly maxBatchTexts: number
  readonly maxWaitMs: number
  /** Requests allowed to wait; more wait for room (backpressure on the handlers). */
  readonly queueCapacity: number
}

export interface BatcherService {
  readonly classify: (turns: ReadonlyArray<Turn>, texts: number) => Effect.Effect<ReadonlyArray<Prediction>, GuardError>
}

interface Job {
  readonly turns: ReadonlyArray<Turn>
  readonly texts: number
  readonly done: Deferred.Deferred<ReadonlyArray<Prediction>, GuardError>
  cancelled: boolean
}

/** Resume after the event loop's next poll phase: requests already on the sockets get parsed. */
const afterIo = Effect.async<void>((resume) => {
  const t = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(t))
})

export const makeBatcher = (
  guard: Guard,
  options: BatcherOptions,
  metrics: ServeMetricsRegistry
): Effect.Effect<BatcherService, never, Scope.Scope> =>
  Effect.gen(function* () {
    const queue = yield* Effect.acquireRelease(Queue.bounded<Job>(options.queueCapacity), Queue.shutdown)
    // A job taken from the queue that did not fit the batch opens the next one.
    let carried: Job | undefined

    const run = (batch: ReadonlyArray<Job>) =>
      Effect.gen(function* () {
        const live = batch.filter((j) => !j.cancelled)
        if (live.length < batch.length) metrics.skipped.inc({}, batch.length - live.length)
        if (live.length === 0) return
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
        let at = 0
        for (const job of live) {
          if (result._tag === "Left") yield* Deferred.fail(job.done, result.left)
          else yield* Deferred.succeed(job.done, result.right.slice(at, (at += job.turns.length)))
        }
      })

    const next = Effect.gen(function* () {
      const first = carried ?? (yield* Queue.take(queue))
      carried = undefined
      const batch = [first]
      let texts = first.texts
      const deadline = performance.now() + options.maxWaitMs
      while (texts < options.maxBatchTexts) {
        // Whatever is already queued joins at once; when the queue is empty, let the event
        // loop parse the requests that have arrived meanwhile, until the deadline.
        const job = Option.getOrUndefined(yield* Queue.poll(queue))
        if (job === undefined) {
          if (performance.now() >= deadline) break
          yield* afterIo
          continue
        }
        if (texts + job.texts > options.maxBatchTexts) {
          carried = job
          break
        }
        batch.push(job)
        texts += job.texts
      }
      metrics.queued = (yield* Queue.size(queue)) + (carried ? 1 : 0)
      yield* run(batch)
    })

    yield* Effect.forkScoped(Effect.forever(next))

    return {
      classify: (turns, texts) =>
        Effect.gen(function* () {
          const job: Job = { turns, texts, done: yield* Deferred.make<ReadonlyArray<Prediction>, GuardError>(), cancelled: false }
          yield* Queue.offer(queue, job)
          return yield* Deferred.await(job.done).pipe(Effect.onInterrupt(() => Effect.sync(() => (job.cancelled = true))))
        })
    } satisfies BatcherService
  })
