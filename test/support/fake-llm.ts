/**
 * A stand-in OpenAI-compatible chat server on 127.0.0.1 (GET /v1/models, POST
 * /v1/chat/completions) with deterministic replies: a rewrite is a function of the request
 * alone, so a run against it writes the same bytes every time. Scripted faults: the first try
 * of every `fail429Every`-th text gets a 429, a text containing "refuse-me" gets a refusal.
 *
 *   npx tsx test/support/fake-llm.ts [--port N]    # serve until killed; logs a request count
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"

export interface FakeLlm {
  readonly url: string
  /** Chat requests received (retries included). */
  readonly requests: () => number
  /** Of which answered 429. */
  readonly throttled: () => number
  readonly close: () => Promise<void>
}

const OPENERS: Readonly<Record<string, string>> = {
  paraphrase: "Put differently:",
  formal: "Kindly consider the following:",
  casual: "ok so basically"
}
const LANGS: Readonly<Record<string, string>> = { English: "en", French: "fr", German: "de", Spanish: "es" }

/** The "rewrite": the style's opener and the text (a real model paraphrases; this one only marks what it was asked). */
export const fakeRewrite = (prompt: string): string => {
  const text = prompt.split("Text:\n")[1] ?? ""
  const style = /casually/.test(prompt) ? "casual" : /formal/.test(prompt) ? "formal" : "paraphrase"
  const lang = Object.entries(LANGS).find(([name]) => prompt.includes(`Write the result in ${name}.`))?.[1] ?? "en"
  return lang === "en" || style !== "paraphrase" ? `${OPENERS[style]} ${text}` : `[${lang}] ${text}`
}

export const startFakeLlm = (opts: { readonly port?: number; readonly fail429Every?: number } = {}): Promise<FakeLlm> =>
  new Promise((resolve) => {
    let count = 0
    let throttled = 0
    const seen = new Map<string, number>()
    const server = http.createServer((req, res) => {
      if (req.method === "GET" && req.url === "/v1/models") {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ object: "list", data: [{ id: "fake" }] }))
        return
      }
      let raw = ""
      req.on("data", (c) => (raw += c))
      req.on("end", () => {
        count++
        const body = JSON.parse(raw) as { messages: Array<{ content: string }> }
        const prompt = body.messages[body.messages.length - 1].content
        const n = (seen.get(prompt) ?? 0) + 1
        seen.set(prompt, n)
        if (opts.fail429Every && n === 1 && seen.size % opts.fail429Every === 0) {
          throttled++
          res.writeHead(429, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "slow down" } }))
          return
        }
        const content = prompt.includes("refuse-me") ? "I'm sorry, but I can't help with that." : fakeRewrite(prompt)
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ choices: [{ index: 0, message: { role: "assistant", content } }] }))
      })
    })
    server.listen(opts.port ?? 0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resolve({ url: `http://127.0.0.1:${port}/v1`, requests: () => count, throttled: () => throttled, close: () => new Promise((r) => server.close(() => r())) })
    })
  })

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf("--port")
  const llm = await startFakeLlm({ port: i > 0 ? Number(process.argv[i + 1]) : 0, fail429Every: 7 })
  process.stdout.write(`fake LLM at ${llm.url}\n`)
  const report = () => process.stdout.write(`requests: ${llm.requests()}\n`)
  setInterval(report, 10_000).unref()
  process.on("SIGTERM", () => (report(), process.exit(0)))
  process.on("SIGINT", () => (report(), process.exit(0)))
}
