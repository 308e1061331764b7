/**
 * A short run of the load-test pipeline (the 100k-request run is `npx tsx pipelines/load-test.ts`):
 * it starts a server, sends a seeded mix with bad requests interleaved, checks every answer,
 * writes its report and shuts the server down cleanly. No timing is asserted.
 */
import { beforeAll, describe, expect, it } from "vitest"
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { promisify } from "node:util"
import { machineCpuSeconds } from "../../src/loadtest/loadtest.ts"
import { repoRoot, tinyModel } from "../serve/fixtures.ts"

const run = promisify(execFile)
let model: { dir: string }
beforeAll(async () => {
  model = await tinyModel()
})

describe("pipelines/load-test.ts (smoke)", () => {
  it("serves a mixed load without a wrong answer and reports it", async () => {
    const out = path.join(path.dirname(model.dir), "serve.json")
    const texts = path.join(path.dirname(model.dir), "texts.txt")
    fs.writeFileSync(texts, Array.from({ length: 50 }, (_, i) => (i % 4 ? `the garden and the book ${i}` : `murder the dog ${i}`)).join("\n"))
    const r = await run(
      process.execPath,
      ["--import", "tsx", "pipelines/load-test.ts", "--model", model.dir, "--requests", "2000", "--single-requests", "0", "--paced-requests", "300",
        "--warmup", "0", "--connections", "16", "--out", out, "--texts", texts],
      { cwd: repoRoot, maxBuffer: 1 << 24 }
    )
    expect(r.stdout).toContain("| phase | requests | req/s")
    const report = JSON.parse(fs.readFileSync(out, "utf8"))
    expect(fs.readFileSync(out.replace(/\.json$/, ".md"), "utf8")).toBe(`${report.markdown}\n`)
    expect(report.mixed.requests).toBe(2000)
    // The paced phase: every request answered, correctly, at the target rate's schedule.
    expect(report.paced.requests).toBe(300)
    expect(report.paced.errors).toBe(0)
    expect(report.paced.unexpected).toEqual({})
    expect(report.paced.statusCodes).toEqual({ "200": 300 })
    expect(report.mixed.connectionErrors).toBe(0)
    expect(report.mixed.unexpected).toEqual({})
    expect(report.meetsTargets.noErrors).toBe(true)
    // The mix really held bad requests of several kinds, and arrays, each answered as it deserved.
    const kinds = Object.keys(report.mixed.byKind)
    expect(kinds).toContain("single")
    expect(kinds).toContain("array")
    expect(kinds.filter((k) => k.startsWith("bad:")).length).toBeGreaterThanOrEqual(6)
    for (const [kind, t] of Object.entries(report.mixed.byKind as Record<string, { sent: number; ok: number }>)) {
      expect(t.ok, kind).toBe(t.sent)
    }
    expect(Object.keys(report.mixed.statusCodes).sort()).toEqual(["200", "400", "404", "405"])
    expect(report.rss.samples).toBeGreaterThan(0)
    expect(report.shutdown).toEqual({ code: 0, signal: null })
    // How much other work shared the cores is recorded (Linux), and named in the report.
    expect(report.machine.otherProcessesCores).toBeGreaterThanOrEqual(0)
    expect(report.markdown).toMatch(/other processes used [\d.]+ of a core/)
  })
})

describe("machineCpuSeconds", () => {
  it("counts the CPU this process burns", () => {
    const before = machineCpuSeconds()!
    const self0 = process.cpuUsage()
    const until = Date.now() + 300
    while (Date.now() < until) Math.sqrt(Math.random())
    const self = process.cpuUsage(self0)
    // The machine's count grew by at least what this process used (clock ticks are 10 ms).
    expect(machineCpuSeconds()! - before).toBeGreaterThanOrEqual((self.user + self.system) / 1e6 - 0.05)
  })
})
