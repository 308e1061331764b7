/**
 * The micro-batcher with a stand-in guard that holds each model call until the test releases
 * it: requests that wait together share one call and get their own slice back, a full queue is
 * refused with 503, a request whose client left is skipped, and requests still waiting when
 * the server goes are answered with an error instead of hanging.
 */
import { Deferred, Effect, Exit, Fiber, Scope } from "effect"
import { describe, expect, it } from "vitest"
import type { Prediction } from "../../schemas/prediction.ts"
import { CATEGORY_IDS } from "../../schemas/taxonomy.ts"
import type { Guard } from "../../src/guard/guard.ts"
import { makeBatcher, type BatcherOptions } from "../../src/serve/batcher.ts"
import { ServeMetricsRegistry } from "../../src/serve/metrics.ts"

/** Scores each prompt by its length (so answers can be told apart); every call waits on `gate`. */
const heldGuard = () => {
  const calls: Array<ReadonlyArray<string>> = []
  let gate = Effect.runSync(Deferred.make<void>())
  const predict = (text: string): Prediction => {
    const p = Math.min(1, text.length / 100)
    return { unsafe: p, flagged: p > 0.5, categories: Object.fromEntries(CATEGORY_IDS.map((c) => [c, p])) as Prediction["categories"] }
  }
  const guard: Guard = {
    modelDir: "(test)",
    backend: "test",
    classify: (texts) => Effect.succeed(texts.map(predict)),
    classifyConversation: (turns) =>
      Effect.suspend(() => {
        calls.push(turns.map((t) => t.prompt))
        return Deferred.await(gate).pipe(Effect.as(turns.map((t) => predict(t.prompt))))
      })
  }
  const release = () => {
    const open = gate
    gate = Effect.runSync(Deferred.make<void>())
    Effect.runSync(Deferred.succeed(open, undefined))
  }
  return { guard, calls, release }
}

/** A batcher over the held guard, in its own scope. */
const startBatcher = async (options: BatcherOptions) => {
  const held = heldGuard()
  const scope = Effect.runSync(Scope.make())
  const metrics = new ServeMetricsRegistry()
  const batcher = await Effect.runPromise(Scope.extend(makeBatcher(held.guard, options, metrics), scope))
  return { ...held, batcher, metrics, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

const text = (n: number) => "x".repeat(n)
const settle = () => new Promise((r) => setTimeout(r, 30))

describe("makeBatcher", () => {
  it("merges waiting requests into one model call and answers each with its own results", async () => {
    const { batcher, calls, release, metrics, close } = await startBatcher({ maxBatchTexts: 64, maxWaitMs: 20, queueCapacity: 100 })
    const a = Effect.runPromise(batcher.classify([{ prompt: text(10) }, { prompt: text(20) }], 2))
    const b = Effect.runPromise(batcher.classify([{ prompt: text(90) }], 1))
    await settle()
    expect(calls).toEqual([[text(10), text(20), text(90)]])
    release()
    expect((await a).map((p) => p.unsafe)).toEqual([0.1, 0.2])
    expect((await b).map((p) => [p.unsafe, p.flagged])).toEqual([[0.9, true]])
    expect(metrics.modelCalls.total()).toBe(1)
    await close()
  })

  it("refuses with 503 once queueCapacity requests wait, skips a request whose client left, and fails leftovers at shutdown", async () => {
    const { batcher, calls, release, metrics, close } = await startBatcher({ maxBatchTexts: 1, maxWaitMs: 0, queueCapacity: 2 })
    // The first request's batch holds the model; the next two wait in the queue.
    const first = Effect.runPromise(batcher.classify([{ prompt: text(1) }], 1))
    await settle()
    expect(calls).toHaveLength(1)
    const gone = Effect.runFork(batcher.classify([{ prompt: text(2) }], 1))
    const third = Effect.runPromise(Effect.either(batcher.classify([{ prompt: text(3) }], 1)))
    await settle()
    const refused = await Effect.runPromise(Effect.either(batcher.classify([{ prompt: text(4) }], 1)))
    expect(refused._tag).toBe("Left")
    expect(refused._tag === "Left" && refused.left._tag === "ApiError" && refused.left.status).toBe(503)

    // The second client leaves: its turn never reaches the model.
    await Effect.runPromise(Fiber.interrupt(gone))
    release()
    await first
    await settle()
    expect(calls.map((c) => c[0])).toEqual([text(1), text(3)])
    expect(metrics.skipped.total()).toBe(1)

    // The third request's batch is still held when the scope closes; a fifth waits behind it.
    const fifth = Effect.runPromise(Effect.either(batcher.classify([{ prompt: text(5) }], 1)))
    await settle()
    await close()
    for (const left of [await third, await fifth]) expect(left._tag === "Left" && left.left.message).toMatch(/shutting down/)
    const after = await Effect.runPromise(Effect.either(batcher.classify([{ prompt: text(6) }], 1)))
    expect(after._tag === "Left" && after.left.message).toMatch(/shutting down/)
  })
})
