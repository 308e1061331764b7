/**
 * What an adversarial test of the server found (issue 16): deep nesting, drain details, access
 * control. Each case failed before its fix.
 */
import { beforeAll, describe, expect, it } from "vitest"
import { Schema } from "effect"
import * as http from "node:http"
import * as net from "node:net"
import { ErrorResponse } from "../../src/serve/api.ts"
import { rawRequest } from "../../src/serve/rawclient.ts"
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
