/**
 * Run `pipelines/serve.ts` as a child process (for the load and fault pipelines and the
 * shutdown test): started with node + the tsx loader, so signals reach the server itself,
 * and resolved once it prints its URL.
 */
import { spawn, type ChildProcess } from "node:child_process"
import * as path from "node:path"

export interface ServerProcess {
  readonly url: string
  readonly pid: number
  readonly child: ChildProcess
  /** Resolves when the process ends. */
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
  /** Everything it wrote to stdout / stderr so far. */
  readonly stdout: () => string
  readonly stderr: () => string
}

const repoRoot = path.resolve(import.meta.dirname, "../..")

export const spawnServer = (args: ReadonlyArray<string>, opts: { readonly startTimeoutMs?: number } = {}): Promise<ServerProcess> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "pipelines/serve.ts", ...args], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let out = ""
    let err = ""
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      child.on("exit", (code, signal) => done({ code, signal }))
    )
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`server did not start within ${opts.startTimeoutMs ?? 60_000} ms; stderr:\n${err}`))
    }, opts.startTimeoutMs ?? 60_000)
    child.stderr.on("data", (c: Buffer) => (err += c.toString()))
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString()
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve({ url: m[1], pid: child.pid!, child, exited, stdout: () => out, stderr: () => err })
      }
    })
    void exited.then(({ code, signal }) => {
      clearTimeout(timer)
      reject(new Error(`server exited before listening (code ${code}, signal ${signal}); stderr:\n${err}`))
    })
  })
