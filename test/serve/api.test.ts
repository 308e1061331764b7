/**
 * The moderation endpoint over real HTTP: OpenAI-shaped requests and answers, results in input
 * order and equal to the guard's own scores, every kind of bad request answered with a 4xx in
 * OpenAI's error shape (and the server still serving), micro-batching, /metrics, /healthz.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect, Exit, Schema, Scope } from "effect"
import parsePrometheus from "parse-prometheus-text-format"
import { loadGuard, type Guard } from "../../src/guard/guard.ts"
import { ErrorResponse, ModerationResponse } from "../../src/serve/api.ts"
import { CATEGORY_IDS, CATEGORY_NAMES } from "../../schemas/taxonomy.ts"
import type { Prediction } from "../../schemas/prediction.ts"
import { postJson, testServer, tinyModel, type TestServer } from "./fixtures.ts"
import { rawRequest } from "../../src/loadtest/rawclient.ts"
import { backendInScope } from "../support/backend.ts"
import * as fs from "node:fs"
import * as path from "node:path"

let model: { dir: string }
let server: TestServer
let guard: Guard
const guardScope = Effect.runSync(Scope.make())

beforeAll(async () => {
  model = await tinyModel()
  server = await testServer(model.dir)
  guard = await Effect.runPromise(loadGuard(model.dir).pipe(Effect.provide(backendInScope), Scope.extend(guardScope)))
})
afterAll(async () => {
  // Last in, first out: each backend session checks that its own tensors are gone.
  await Effect.runPromise(Scope.close(guardScope, Exit.void))
  await server?.close()
})

const decodeResponse = Schema.decodeUnknownSync(ModerationResponse)
const decodeError = Schema.decodeUnknownSync(ErrorResponse)

/** The API result a Prediction must become: names for ids, flags at 0.5. */
const expected = (p: Prediction) => ({
  flagged: p.flagged,
  categories: Object.fromEntries(CATEGORY_IDS.map((id) => [CATEGORY_NAMES[id], p.categories[id] > 0.5])),
  category_scores: Object.fromEntries(CATEGORY_IDS.map((id) => [CATEGORY_NAMES[id], p.categories[id]]))
})

const moderate = async (body: unknown) => {
  const res = await postJson(server.url, body)
  expect(res.status).toBe(200)
  expect(res.headers.get("content-type")).toMatch(/^application\/json/)
  return decodeResponse(await res.json())
}

const TEXTS = ["the cat read a book", "murder the dog in the garden", "subhuman vermin", "counterfeit music", ""]

describe("POST /v1/moderations (OpenAI shape)", () => {
  it("answers a single string with one result, with our 12 category names", async () => {
    const r = await moderate({ input: TEXTS[1] })
    expect(r.id).toMatch(/^modr-[0-9a-f]{32}$/)
    expect(r.model).toMatch(/^duoguard-ts-[0-9a-f]{12}$/)
    expect(r.results).toHaveLength(1)
    expect(Object.keys(r.results[0].category_scores)).toEqual(CATEGORY_IDS.map((id) => CATEGORY_NAMES[id]))
    const [p] = await Effect.runPromise(guard.classify([TEXTS[1]]))
    expect(r.results[0]).toEqual(expected(p))
  })

  it("answers an array in input order, each result equal to the guard's", async () => {
    const r = await moderate({ input: TEXTS, model: "omni-moderation-latest" })
    const preds = await Effect.runPromise(guard.classify(TEXTS))
    expect(r.results).toEqual(preds.map(expected))
    // The reversed request gives the reversed results: order is the input's, not the batch's.
    const rev = await moderate({ input: [...TEXTS].reverse() })
    expect(rev.results).toEqual([...r.results].reverse())
    // Every text scores differently, so a scrambled order could not pass the checks above.
    const scores = r.results.map((x) => x.category_scores["violent crimes"])
    expect(new Set(scores).size).toBe(TEXTS.length)
  })

  it("accepts OpenAI's text content parts", async () => {
    const r = await moderate({ input: [{ type: "text", text: TEXTS[2] }, { type: "text", text: TEXTS[0] }] })
    const preds = await Effect.runPromise(guard.classify([TEXTS[2], TEXTS[0]]))
    expect(r.results).toEqual(preds.map(expected))
  })

  it("moderates a conversation turn by turn with classifyConversation", async () => {
    const r = await moderate({
      input: [
        { role: "system", content: "you are helpful" },
        { role: "user", content: "the cat read a book" },
        { role: "assistant", content: "murder the dog" },
        { role: "user", content: "the blue house" }
      ]
    })
    const preds = await Effect.runPromise(
      guard.classifyConversation([{ prompt: "the cat read a book", response: "murder the dog" }, { prompt: "the blue house" }])
    )
    expect(r.results).toEqual(preds.map(expected))
    expect(r.results[0].flagged).toBe(true) // the reply is what's unsafe
  })
})

const big = "a".repeat((1 << 20) + 10)
const BAD: ReadonlyArray<{
  name: string
  send: () => Promise<{ status: number; body: string; headers?: Record<string, unknown> }>
  status: number
  code: string
  param?: string | null
  message?: RegExp
}> = [
  { name: "invalid JSON", send: () => raw("{\"input\": \"x"), status: 400, code: "invalid_json" },
  { name: "empty body", send: () => raw(""), status: 400, code: "invalid_json" },
  {
    name: "invalid UTF-8",
    send: () => raw(Buffer.from([...Buffer.from('{"input": "ab'), 0xc3, 0x28, ...Buffer.from('"}')])),
    status: 400,
    code: "invalid_utf8",
    message: /offset 13/
  },
  { name: "a JSON array body", send: () => raw("[1,2]"), status: 400, code: "invalid_body" },
  { name: "missing input", send: () => raw('{"text": "x"}'), status: 400, code: "missing_parameter", param: "input" },
  { name: "input of a wrong type", send: () => raw('{"input": 42}'), status: 400, code: "invalid_type", param: "input" },
  { name: "null input", send: () => raw('{"input": null}'), status: 400, code: "invalid_type", param: "input" },
  { name: "a wrong element", send: () => raw('{"input": ["a", "b", 7]}'), status: 400, code: "invalid_type", param: "input[2]" },
  { name: "model not a string", send: () => raw('{"input": "a", "model": 3}'), status: 400, code: "invalid_type", param: "model" },
  { name: "an empty array", send: () => raw('{"input": []}'), status: 400, code: "empty_input", param: "input" },
  {
    name: "too many inputs",
    send: () => raw(JSON.stringify({ input: Array.from({ length: 257 }, () => "x") })),
    status: 400,
    code: "too_many_inputs",
    message: /257 elements; the limit is 256/
  },
  {
    name: "a text too long",
    send: () => raw(JSON.stringify({ input: ["ok", "é".repeat(32_769)] })),
    status: 400,
    code: "input_too_long",
    param: "input[1]",
    message: /32769 characters long; the limit is 32768/
  },
  {
    name: "a bad chat role",
    send: () => raw(JSON.stringify({ input: [{ role: "user", content: "hi" }, { role: "tool", content: "x" }] })),
    status: 400,
    code: "invalid_type",
    param: "input[1].role"
  },
  {
    name: "a message without content",
    send: () => raw(JSON.stringify({ input: [{ role: "user" }] })),
    status: 400,
    code: "missing_parameter",
    param: "input[0].content"
  },
  {
    name: "an image part",
    send: () => raw(JSON.stringify({ input: [{ type: "image_url", image_url: { url: "x" } }] })),
    status: 400,
    code: "invalid_type",
    param: "input[0].type"
  },
  {
    name: "a body over 1 MB (Content-Length)",
    send: () =>
      rawRequest(`${server.url}/v1/moderations`, {
        headers: { "content-type": "application/json", "content-length": String(big.length) },
        chunks: [big]
      }),
    status: 413,
    code: "body_too_large"
  },
  {
    name: "a chunked body over 1 MB",
    send: () =>
      rawRequest(`${server.url}/v1/moderations`, { headers: { "content-type": "application/json" }, chunks: Array.from({ length: 21 }, () => "a".repeat(50_000)) }),
    status: 413,
    code: "body_too_large"
  },
  {
    name: "an unknown route",
    send: () => fetch(`${server.url}/v1/completions`, { method: "POST", body: "{}" }).then(asRaw),
    status: 404,
    code: "unknown_route"
  },
  {
    name: "a wrong method",
    send: () => fetch(`${server.url}/v1/moderations`).then(asRaw),
    status: 405,
    code: "method_not_allowed"
  }
]

const asRaw = async (r: Response) => {
  const headers: Record<string, string> = {}
  r.headers.forEach((v, k) => (headers[k] = v))
  return { status: r.status, body: await r.text(), headers }
}
const raw = (body: string | Uint8Array) =>
  rawRequest(`${server.url}/v1/moderations`, {
    headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) },
    chunks: [body]
  })

describe("bad requests", () => {
  for (const bad of BAD) {
    it(`${bad.name} → ${bad.status} ${bad.code}, then the next request is served`, async () => {
      const res = await bad.send()
      expect(res.status, res.body).toBe(bad.status)
      const { error } = decodeError(JSON.parse(res.body))
      expect(error.type).toBe("invalid_request_error")
      expect(error.code).toBe(bad.code)
      expect(error.message.length).toBeGreaterThan(10)
      if (bad.param !== undefined) expect(error.param).toBe(bad.param)
      if (bad.message) expect(error.message).toMatch(bad.message)
      if (bad.status === 405) expect(res.headers?.allow).toBe("POST")
      const ok = await moderate({ input: "the cat read a book" })
      expect(ok.results).toHaveLength(1)
    })
  }
})

describe("micro-batching", () => {
  it("merges concurrent requests into fewer model calls, each answer still its own", async () => {
    // A server with a long batching window, so that concurrent requests surely meet in a batch
    // even on a busy machine.
    const patient = await testServer(model.dir, { batch: { maxTexts: 257, maxWaitMs: 300, queueCapacity: 4096 } })
    const n = 40
    const texts = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? `murder number ${i}` : `the garden number ${i}`))
    const answers = await Promise.all(
      texts.map(async (t) => {
        const res = await postJson(patient.url, { input: t })
        expect(res.status).toBe(200)
        return decodeResponse(await res.json())
      })
    )
    const calls = patient.metrics.modelCalls.get()
    const batched = patient.metrics.batchRequests.sum()
    await patient.close()
    expect(batched).toBe(n)
    expect(calls).toBeGreaterThanOrEqual(1)
    expect(calls).toBeLessThan(n / 2)
    const preds = await Effect.runPromise(guard.classify(texts))
    answers.forEach((a, i) => expect(a.results[0]).toEqual(expected(preds[i])))
  })
})

describe("GET /metrics and /healthz", () => {
  it("/metrics parses as Prometheus text and counts what happened", async () => {
    const res = await fetch(`${server.url}/metrics`)
    expect(res.status).toBe(200)
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/)
    const text = await res.text()
    const families = parsePrometheus(text)
    const byName = new Map(families.map((f) => [f.name, f]))
    for (const name of [
      "duoguard_http_requests_total",
      "duoguard_http_request_duration_seconds",
      "duoguard_moderation_results_total",
      "duoguard_batch_texts",
      "duoguard_http_errors_total",
      "process_resident_memory_bytes"
    ]) {
      expect(byName.has(name), name).toBe(true)
    }
    expect(byName.get("duoguard_http_request_duration_seconds")!.type).toBe("HISTOGRAM")
    const requests = byName.get("duoguard_http_requests_total")!.metrics.map((m) => ({ labels: m.labels ?? {}, value: Number(m.value) }))
    const count = (status: string) =>
      requests.filter((m) => m.labels.route === "/v1/moderations" && m.labels.status === status).reduce((a, m) => a + m.value, 0)
    expect(count("413")).toBeGreaterThanOrEqual(2)
    expect(count("400")).toBeGreaterThanOrEqual(15)
    expect(count("200")).toBeGreaterThanOrEqual(BAD.length + 4)
    expect(requests.some((m) => m.labels.route === "other" && m.labels.status === "404")).toBe(true)
    // Every line is a comment or `name{labels} value`.
    for (const line of text.trimEnd().split("\n")) {
      expect(line).toMatch(/^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? (-?[0-9.e+-]+|\+Inf|NaN))$/)
    }
  })

  it("/healthz says ok and names the model", async () => {
    const res = await fetch(`${server.url}/healthz`)
    expect(res.status).toBe(200)
    const body = (await res.json()) as { status: string; model: string }
    expect(body.status).toBe("ok")
    expect(body.model).toBe(server.model)
  })
})

describe("operating point", () => {
  it("serves the chosen calibration: the endpoint and the playground's model.json both use it", async () => {
    const stored = JSON.parse(fs.readFileSync(path.join(model.dir, "model.json"), "utf8")) as { logitShift: number; operatingPoints: Record<string, number> }
    const observed = await testServer(model.dir, { operatingPoint: "observed", playground: true })
    const scope = Effect.runSync(Scope.make())
    try {
      const served = (await (await fetch(`${observed.url}/model/model.json`)).json()) as { logitShift: number }
      expect(served.logitShift).toBe(stored.operatingPoints.observed)
      const local = await Effect.runPromise(loadGuard(model.dir, { operatingPoint: "observed" }).pipe(Effect.provide(backendInScope), Scope.extend(scope)))
      const texts = ["murder the dog", "the cat read a book"]
      const body = decodeResponse(await (await postJson(observed.url, { input: texts })).json())
      const want = await Effect.runPromise(local.classify(texts))
      expect(body.results).toEqual(want.map(expected))
      // A different calibration is a different model name.
      if (stored.operatingPoints.observed !== stored.logitShift) expect(observed.model).not.toBe(server.model)
    } finally {
      await Effect.runPromise(Scope.close(scope, Exit.void))
      await observed.close()
    }
    await expect(testServer(model.dir, { operatingPoint: "lenient" })).rejects.toThrow(/no operating point "lenient"/)
  })
})
