/**
 * What an adversarial test of the server found (issue 16): deep nesting, drain details, access
 * control. Each case failed before its fix.
 */
import { beforeAll, describe, expect, it } from "vitest"
import { Schema } from "effect"
import * as http from "node:http"
import * as net from "node:net"
import { ErrorResponse } from "../../src/serve/api.ts"
import { rawRequest } from "../../src/loadtest/rawclient.ts"
import { testServer, tinyModel } from "./fixtures.ts"

let model: { dir: string }
beforeAll(async () => {
  model = await tinyModel()
})

const decodeError = Schema.decodeUnknownSync(ErrorResponse)
const json = (body: string, headers: Record<string, string> = {}) => ({
  headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)), ...headers },
  chunks: [body]
})

describe("deeply nested bodies", () => {
  it("get a 400 with a short message, and nothing on stderr", async () => {
    const lines: Array<string> = []
    const server = await testServer(model.dir, {}, (l) => lines.push(l))
    try {
      const deep = "[".repeat(2200) + "]".repeat(2200)
      for (const body of [`{"input":"x","model":${deep}}`, `{"input":["a",${deep}]}`]) {
        const res = await rawRequest(`${server.url}/v1/moderations`, json(body))
        expect(res.status, res.body).toBe(400)
        expect(decodeError(JSON.parse(res.body)).error.message.length).toBeLessThan(200)
      }
      expect(lines.filter((l) => /internal error/.test(l))).toEqual([])
    } finally {
      await server.close()
    }
  })
})

describe("draining", () => {
  it("answers requests in flight with Connection: close", async () => {
    const server = await testServer(model.dir, { batch: { maxTexts: 257, maxWaitMs: 800, queueCapacity: 4096 } })
    const agent = new http.Agent({ keepAlive: true })
    const pending = new Promise<http.IncomingMessage>((resolve, reject) => {
      const body = JSON.stringify({ input: "the cat read a book" })
      const req = http.request(`${server.url}/v1/moderations`, { method: "POST", agent, headers: { "content-type": "application/json" } }, (res) => {
        res.resume()
        res.on("end", () => resolve(res))
      })
      req.on("error", reject)
      req.end(body)
    })
    await new Promise((r) => setTimeout(r, 200))
    const closing = server.close()
    const res = await pending
    await closing
    agent.destroy()
    expect(res.statusCode).toBe(200)
    expect(res.headers.connection).toBe("close")
  })

  it("answers an upload still arriving at the drain timeout with a 503 in OpenAI's shape", async () => {
    const server = await testServer(model.dir, { drainTimeoutMs: 300 })
    const socket = net.connect(server.port, "127.0.0.1")
    await new Promise((r) => socket.once("connect", r))
    let answer = ""
    socket.on("data", (c) => (answer += c.toString()))
    const ended = new Promise((r) => socket.once("close", r))
    socket.write(`POST /v1/moderations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"input": "slo`)
    await new Promise((r) => setTimeout(r, 100))
    const t0 = Date.now()
    await server.close()
    await ended
    expect(Date.now() - t0).toBeLessThan(3000)
    expect(answer).toMatch(/^HTTP\/1\.1 503 /)
    expect(answer.toLowerCase()).toContain("connection: close")
    const body = answer.slice(answer.indexOf("\r\n\r\n") + 4)
    const { error } = decodeError(JSON.parse(body))
    expect(error.code).toBe("shutting_down")
    expect(error.type).toBe("server_error")
  })
})

describe("access control", () => {
  const body = JSON.stringify({ input: "the cat read a book" })
  const post = (url: string, headers: Record<string, string>) => rawRequest(`${url}/v1/moderations`, json(body, headers))

  it("with an API key: 401 in OpenAI's shape without it or with a wrong one; /healthz stays open", async () => {
    const server = await testServer(model.dir, { apiKey: "s3cret-key" })
    try {
      const tries: Array<Record<string, string>> = [{}, { authorization: "Bearer nope" }, { authorization: "Basic czNjcmV0LWtleQ==" }, { authorization: "s3cret-key" }]
      for (const headers of tries) {
        const res = await post(server.url, headers)
        expect(res.status, JSON.stringify(headers)).toBe(401)
        const { error } = decodeError(JSON.parse(res.body))
        expect(error).toMatchObject({ type: "invalid_request_error", code: "invalid_api_key", param: null })
        expect(res.headers["www-authenticate"]).toMatch(/^Bearer/)
      }
      expect((await post(server.url, { authorization: "Bearer s3cret-key" })).status).toBe(200)
      expect((await rawRequest(`${server.url}/metrics`, { method: "GET" })).status).toBe(401)
      expect((await rawRequest(`${server.url}/metrics`, { method: "GET", headers: { authorization: "Bearer s3cret-key" } })).status).toBe(200)
      expect((await rawRequest(`${server.url}/healthz`, { method: "GET" })).status).toBe(200)
    } finally {
      await server.close()
    }
  })

  it("without a key configured, no Authorization is needed", async () => {
    const server = await testServer(model.dir)
    try {
      expect((await post(server.url, {})).status).toBe(200)
    } finally {
      await server.close()
    }
  })

  it("refuses a body not declared as JSON with 415", async () => {
    const server = await testServer(model.dir)
    try {
      for (const type of ["text/plain", "application/x-www-form-urlencoded", undefined]) {
        const res = await rawRequest(`${server.url}/v1/moderations`, {
          headers: { "content-length": String(body.length), ...(type === undefined ? {} : { "content-type": type }) },
          chunks: [body]
        })
        expect(res.status, String(type)).toBe(415)
        expect(decodeError(JSON.parse(res.body)).error.code).toBe("unsupported_media_type")
      }
      expect((await post(server.url, { "content-type": "application/json; charset=utf-8" })).status).toBe(200)
    } finally {
      await server.close()
    }
  })

  it("CORS is off by default: no Access-Control headers, a preflight is a 405", async () => {
    const server = await testServer(model.dir)
    try {
      const res = await post(server.url, { origin: "https://evil.example" })
      expect(res.status).toBe(200)
      expect(res.headers["access-control-allow-origin"]).toBeUndefined()
      const pre = await rawRequest(`${server.url}/v1/moderations`, { method: "OPTIONS", headers: { origin: "https://evil.example" } })
      expect(pre.status).toBe(405)
    } finally {
      await server.close()
    }
  })

  it("CORS with allowed origins: a preflight is answered, allowed origins get the header, others do not", async () => {
    const server = await testServer(model.dir, { corsOrigins: ["https://app.example"], apiKey: "k" })
    try {
      const pre = await rawRequest(`${server.url}/v1/moderations`, {
        method: "OPTIONS",
        headers: { origin: "https://app.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" }
      })
      expect(pre.status).toBe(204)
      expect(pre.headers["access-control-allow-origin"]).toBe("https://app.example")
      expect(pre.headers["access-control-allow-headers"]).toMatch(/authorization/)
      expect(pre.headers["access-control-allow-methods"]).toMatch(/POST/)
      const ok = await post(server.url, { origin: "https://app.example", authorization: "Bearer k" })
      expect(ok.status).toBe(200)
      expect(ok.headers["access-control-allow-origin"]).toBe("https://app.example")
      expect(ok.headers.vary).toBe("Origin")
      // A refusal carries the header too, so the page can read why.
      expect((await post(server.url, { origin: "https://app.example" })).headers["access-control-allow-origin"]).toBe("https://app.example")
      const other = await post(server.url, { origin: "https://evil.example", authorization: "Bearer k" })
      expect(other.headers["access-control-allow-origin"]).toBeUndefined()
    } finally {
      await server.close()
    }
  })
})
