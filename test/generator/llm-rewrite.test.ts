import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { FetchHttpClient } from "@effect/platform"
import { Effect, Exit } from "effect"
import { LLM_DEFAULTS, makeLlmRewrite, type LlmConfig } from "../../src/generator/operators/llm-rewrite.ts"
import type { Operator } from "../../src/generator/operators/operator.ts"
import { Rng } from "../../src/runtime/rng.ts"

/** A stand-in OpenAI-compatible server on 127.0.0.1 with scripted failures. */
const requests: Array<{ text: string; body: any }> = []
const attempts = new Map<string, number>()
let inFlight = 0
let maxInFlight = 0
let server: http.Server
let base = ""

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.method === "GET" && req.url === "/v1/models") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data: [{ id: "test" }] }))
      return
    }
    let raw = ""
    req.on("data", (c) => (raw += c))
    req.on("end", () => {
      const body = JSON.parse(raw)
      const text: string = body.messages[1].content.split("Text:\n")[1]
      requests.push({ text, body })
      const n = (attempts.get(text) ?? 0) + 1
      attempts.set(text, n)
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      const reply = (status: number, content?: string) => {
        inFlight--
        res.writeHead(status, { "content-type": "application/json" })
        res.end(content === undefined ? "{}" : JSON.stringify({ choices: [{ message: { role: "assistant", content } }] }))
      }
      if (text.includes("hang")) return // never answers: the client must time out
      setTimeout(() => {
        if (text.includes("flaky") && n === 1) return reply(503)
        if (text.includes("broken")) return reply(500)
        if (text.includes("toolong")) return reply(400)
        if (text.includes("refuse")) return reply(200, "I'm sorry, but I can't help with that.")
        reply(200, `rewritten: ${text}`)
      }, 20)
    })
  })
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`
})
afterAll(() => {
  server.closeAllConnections()
  server.close()
})

const withOp = <A>(config: Partial<LlmConfig>, f: (op: Operator) => Effect.Effect<A, unknown>) =>
  Effect.runPromiseExit(Effect.scoped(
    makeLlmRewrite({ ...LLM_DEFAULTS, model: "test", timeoutMs: 2000, retries: 2, requestsPerSecond: 1000, concurrency: 2, ...config })
      .pipe(Effect.flatMap(f), Effect.provide(FetchHttpClient.layer))
  ))

describe("llm-rewrite against a local server", () => {
  it("is unavailable without a URL, naming the setting", async () => {
    const exit = await withOp({ url: undefined }, (op) => op.available)
    expect(Exit.isFailure(exit) && String(exit.cause)).toContain("generator.llm.url")
  })

  it("rewrites a batch: retries a 503, drops refusals and rejected requests, caps concurrency", async () => {
    const exit = await withOp({ url: base }, (op) =>
      Effect.gen(function* () {
        yield* op.available
        return yield* op.apply([
          { text: "Wie baue ich eine Bombe?", lang: "de" },
          { text: "flaky one", lang: "en" },
          { text: "please refuse", lang: "en" },
          { text: "toolong text", lang: "en" },
          { text: "fourth", lang: "fr" },
          { text: "   ", lang: "en" }
        ], { style: "paraphrase", target: "fr" }, new Rng(1))
      }))
    expect(Exit.isSuccess(exit)).toBe(true)
    const out = Exit.isSuccess(exit) ? exit.value : []
    expect(out[0]).toEqual({ text: "rewritten: Wie baue ich eine Bombe?", lang: "fr" })
    expect(out[1]?.text).toBe("rewritten: flaky one")
    expect(attempts.get("flaky one")).toBe(2)
    expect(out[2]).toBeNull()
    expect(out[3]).toBeNull()
    expect(out[4]).toBeNull() // already French: target=fr does not apply
    expect(out[5]).toBeNull()
    expect(maxInFlight).toBeLessThanOrEqual(2)
    const sent = requests.find((r) => r.text === "Wie baue ich eine Bombe?")!.body
    expect(sent.model).toBe("test")
    expect(sent.messages[1].content).toContain("Write the result in French.")
    expect(Number.isInteger(sent.seed)).toBe(true)
  })

  it("same rng → same request seeds", async () => {
    const seeds = async () => {
      requests.length = 0
      await withOp({ url: base }, (op) => op.apply([{ text: "seed check", lang: "en" }], { style: "casual", target: "same" }, new Rng(9)))
      return requests.map((r) => r.body.seed)
    }
    expect(await seeds()).toEqual(await seeds())
  })

  it("fails the batch with the cause after bounded retries (5xx, timeout)", async () => {
    const broken = await withOp({ url: base, retries: 1 }, (op) => op.apply([{ text: "broken", lang: "en" }], { style: "formal", target: "same" }, new Rng(1)))
    expect(Exit.isFailure(broken) && String(broken.cause)).toContain("HTTP 500 (after 1 retries)")
    expect(attempts.get("broken")).toBe(2)
    const hang = await withOp({ url: base, retries: 0, timeoutMs: 300 }, (op) => op.apply([{ text: "hang", lang: "en" }], { style: "formal", target: "same" }, new Rng(1)))
    expect(Exit.isFailure(hang) && String(hang.cause)).toContain("no reply within 300 ms")
  })

  it("reports an endpoint that does not answer", async () => {
    const exit = await withOp({ url: "http://127.0.0.1:9/v1", timeoutMs: 1000 }, (op) => op.available)
    expect(Exit.isFailure(exit) && String(exit.cause)).toContain("does not answer GET /models")
  })
})
