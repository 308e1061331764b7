/** SIGTERM drains: requests in flight when the signal arrives are answered, then the process exits 0. */
import { beforeAll, describe, expect, it } from "vitest"
import { execFileSync, spawn } from "node:child_process"
import { once } from "node:events"
import * as fs from "node:fs"
import * as path from "node:path"
import * as net from "node:net"
import { spawnServer } from "../../src/loadtest/spawn.ts"
import { postJson, repoRoot, tinyModel } from "./fixtures.ts"

let model: { dir: string }
beforeAll(async () => {
  model = await tinyModel()
})

describe("pipelines/serve.ts shutdown", () => {
  it("answers every in-flight request after SIGTERM, then exits 0 and stops listening", async () => {
    // A long batching window holds the requests in flight when the signal arrives.
    const server = await spawnServer([
      "--port", "0", "--workers", "1", "--model", model.dir, "--set", "playground=false", "--set", "batch.maxWaitMs=1500"
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

  it("with two workers, a worker that cannot start fails the start with its error", async () => {
    // The port is taken: each worker's listen fails after the model has loaded.
    const taken = net.createServer().listen(0, "127.0.0.1")
    await once(taken, "listening")
    const port = (taken.address() as net.AddressInfo).port
    try {
      const failed = spawnServer(["--port", String(port), "--workers", "2", "--model", model.dir, "--set", "playground=false"])
      await expect(failed).rejects.toThrow(/EADDRINUSE[\s\S]*a server worker exited during start-up \(code 1\)/)
    } finally {
      taken.close()
    }
  })

  it("with two workers, a missing model is reported once, before any worker starts", async () => {
    const failed = spawnServer(["--port", "0", "--workers", "2", "--model", `${model.dir}-missing`, "--set", "playground=false"])
    const error = await failed.then(() => "", (e: Error) => e.message)
    expect(error).toMatch(/cannot read \S*-missing[\\/]model\.json/)
    expect(error.match(/cannot read/g)).toHaveLength(1)
    expect(error).not.toMatch(/worker exited/)
    // So is an operating point the model does not have.
    const badPoint = await spawnServer(["--port", "0", "--workers", "2", "--model", model.dir, "--operating-point", "lenient"]).then(
      () => "",
      (e: Error) => e.message
    )
    expect(badPoint.match(/no operating point "lenient"; it has: balanced, observed/g)).toHaveLength(1)
    expect(badPoint).not.toMatch(/worker exited/)
  })

  it("with two workers: one listening line, metrics summed over both, and SIGTERM drains both", async () => {
    const server = await spawnServer([
      "--port", "0", "--workers", "2", "--model", model.dir, "--set", "playground=false", "--set", "batch.maxWaitMs=1500"
    ])
    // Requests answered before the signal, each on its own connection, so both workers serve.
    const early = await Promise.all(Array.from({ length: 8 }, () => postJson(server.url, { input: "the cat read a book" })))
    expect(early.map((a) => a.status)).toEqual(Array(8).fill(200))
    const metrics = await (await fetch(`${server.url}/metrics`)).text()
    expect(metrics).toMatch(/^duoguard_workers 2$/m)
    expect(metrics).toMatch(/^duoguard_http_requests_total\{route="\/v1\/moderations",method="POST",status="200"\} 8$/m)
    expect(Number(/^duoguard_moderated_texts_total (\d+)$/m.exec(metrics)?.[1])).toBe(8)

    const n = 10
    const pending = Array.from({ length: n }, (_, i) => postJson(server.url, { input: [`murder ${i}`, "the cat read a book"] }))
    await new Promise((r) => setTimeout(r, 400))
    process.kill(server.pid, "SIGTERM")
    const answers = await Promise.all(pending)
    expect(answers.map((a) => a.status)).toEqual(Array(n).fill(200))
    expect(await server.exited).toEqual({ code: 0, signal: null })
    expect(server.stdout().match(/listening on/g)).toHaveLength(1)
    // Each worker drained its share: the counts add up to what was in flight.
    const drained = [...server.stderr().matchAll(/draining (\d+) in-flight/g)].map((m) => Number(m[1]))
    expect(drained).toHaveLength(2)
    expect(drained.reduce((a, b) => a + b, 0)).toBe(n)
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow()
  })

  it("the README's launch command, run as a supervisor runs it (exec'd: its PID is the server), drains and exits on SIGTERM, workers included", async () => {
    const readme = fs.readFileSync(path.join(repoRoot, "README.md"), "utf8")
    const launch = /^(node --import tsx pipelines\/serve\.ts)\b/m.exec(readme)?.[1]
    expect(launch, "README documents the launch command").toBeDefined()
    expect(fs.readFileSync(path.join(repoRoot, "src/serve/README.md"), "utf8")).toContain(launch)
    const child = spawn("sh", ["-c", `exec ${launch} --port 0 --workers 2 --model "$MODEL" --set playground=false --set batch.maxWaitMs=1500`], {
      cwd: repoRoot,
      env: { ...process.env, MODEL: model.dir },
      stdio: ["ignore", "pipe", "pipe"]
    })
    const exited = new Promise<{ code: number | null; signal: string | null }>((done) => child.on("exit", (code, signal) => done({ code, signal })))
    let out = ""
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (c: Buffer) => {
        out += c.toString()
        const m = /listening on (http:\/\/\S+)/.exec(out)
        if (m) resolve(m[1])
      })
      void exited.then(() => reject(new Error("exited before listening")))
    })
    const workers = execFileSync("ps", ["-o", "pid=", "--ppid", String(child.pid)], { encoding: "utf8" }).trim().split(/\s+/).map(Number)
    expect(workers).toHaveLength(2)
    const pending = Array.from({ length: 6 }, (_, i) => postJson(url, { input: `murder ${i}` }))
    await new Promise((r) => setTimeout(r, 400))
    process.kill(child.pid!, "SIGTERM")
    expect((await Promise.all(pending)).map((a) => a.status)).toEqual(Array(6).fill(200))
    expect(await exited).toEqual({ code: 0, signal: null })
    // Nothing keeps serving with parent PID 1.
    for (const pid of workers) expect(() => process.kill(pid, 0)).toThrow(/ESRCH/)
    await expect(fetch(`${url}/healthz`)).rejects.toThrow()
  })
})
