/**
 * Node drops the callback of `res.end(body, cb)` when the client already closed the
 * connection; the platform waits on that callback, so without the fix such a request never
 * finishes. Checked both ways on a real socket: plain Node hangs, the wrapped response settles.
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "vitest"
import { settleClosedResponses } from "../../src/serve/closed-responses.ts"

/** Serve one request whose client leaves; once its response has closed, answer it and report whether `end`'s callback ran. */
const endAfterClientLeft = (fixed: boolean) =>
  new Promise<boolean>((resolve) => {
    const server = http.createServer()
    if (fixed) settleClosedResponses(server)
    server.on("request", (_req: http.IncomingMessage, res: http.ServerResponse) => {
      res.once("close", () => {
        let called = false
        res.end("too late", () => (called = true))
        setTimeout(() => {
          server.close()
          resolve(called)
        }, 100)
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      const req = http.request({ host: "127.0.0.1", port, method: "POST", headers: { "content-length": "5" } })
      req.on("error", () => {})
      req.write("hello")
      setTimeout(() => req.destroy(), 20)
    })
  })

describe("settleClosedResponses", () => {
  it("runs end()'s callback for a response whose client has gone (plain Node never does)", async () => {
    expect(await endAfterClientLeft(false)).toBe(false)
    expect(await endAfterClientLeft(true)).toBe(true)
  })
})
