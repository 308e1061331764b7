/** SIGTERM drains: requests in flight when the signal arrives are answered, then the process exits 0. */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { spawnServer } from "../../src/serve/spawn.ts"
import { postJson, tinyModel } from "./fixtures.ts"

let model: { dir: string; cleanup: () => void }
beforeAll(async () => {
  model = await tinyModel()
})
afterAll(() => model?.cleanup())

describe("pipelines/serve.ts shutdown", () => {
  it("answers every in-flight request after SIGTERM, then exits 0 and stops listening", async () => {
    // A long batching window holds the requests in flight when the signal arrives.
    const server = await spawnServer([
      "--port", "0", "--model", model.dir, "--set", "playground=false", "--set", "batch.maxWaitMs=1500"
    ])
    const n = 12
    const pending = Array.from({ length: n }, (_, i) => postJson(server.url, { input: [`murder ${i}`, "the cat read a book"] }))
    await new Promise((r) => setTimeout(r, 400))
    process.kill(server.pid, "SIGTERM")
    const answers = await Promise.all(pending)
    const bodies = await Promise.all(answers.map((a) => a.json() as Promise<{ results: Array<unknown> }>))
    expect(answers.map((a) => a.status)).toEqual(Array(n).fill(200))
    bodies.forEach((b) => expect(b.results).toHaveLength(2))
    const { code, signal } = await server.exited
    expect({ code, signal }).toEqual({ code: 0, signal: null })
    const drained = /draining (\d+) in-flight/.exec(server.stderr())
    expect(Number(drained?.[1])).toBe(n)
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow()
  })
})
