/**
 * A raw HTTP client for what fetch won't do: send bad bytes or oversize chunked bodies, one
 * connection per request (no keep-alive, so a refused connection means the server stopped
 * listening, and a reset means a request was dropped). Used by the fault test and the tests.
 */
import * as http from "node:http"

export interface RawResponse {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
}

/**
 * Send `chunks` as the body (chunked unless `headers` sets content-length) and read the answer.
 * A write error after the server has answered (it may close on an oversize body) is ignored.
 */
export const rawRequest = (
  url: string,
  opts: { method?: string; headers?: Record<string, string>; chunks?: ReadonlyArray<Uint8Array | string> } = {}
): Promise<RawResponse> =>
  new Promise((resolve, reject) => {
    let answered = false
    const req = http.request(url, { method: opts.method ?? "POST", headers: opts.headers ?? {}, agent: false })
    req.on("response", (res) => {
      answered = true
      const parts: Array<Buffer> = []
      res.on("data", (c: Buffer) => parts.push(c))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString("utf8") }))
      res.on("error", reject)
    })
    req.on("error", (e) => {
      if (!answered) reject(e)
    })
    for (const c of opts.chunks ?? []) if (!req.destroyed) req.write(c)
    req.end()
  })
