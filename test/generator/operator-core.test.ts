import { describe, expect, it } from "vitest"
import { Effect, Exit } from "effect"
import {
  applyGrouped,
  applyLabel,
  applyLabels,
  checkParams,
  makeOperators,
  OPERATOR_NAMES,
  type LabelEffect,
  type RewriteRequest
} from "../../src/generator/operators/index.ts"
import { Rng } from "../../src/runtime/rng.ts"

describe("labels", () => {
  const harmful = { unsafe: true, categories: ["C9", "C1"] as const }
  const benign = { unsafe: false, categories: [] as const }
  const jailbreak: LabelEffect = { kind: "unsafe", add: ["C12"] }

  it("keep / safe / unsafe+C12", () => {
    expect(applyLabel({ kind: "keep" }, harmful)).toEqual({ unsafe: true, categories: ["C9", "C1"] })
    expect(applyLabel({ kind: "safe" }, harmful)).toEqual({ unsafe: false, categories: [] })
    expect(applyLabel(jailbreak, harmful)).toEqual({ unsafe: true, categories: ["C1", "C9", "C12"] })
    expect(applyLabel(jailbreak, benign)).toEqual({ unsafe: true, categories: ["C12"] })
  })

  it("a program's label applies its operators in order", () => {
    // quoting a jailbreak makes it safe; jailbreaking a quotation makes it unsafe again
    expect(applyLabels([jailbreak, { kind: "safe" }], harmful)).toEqual({ unsafe: false, categories: [] })
    expect(applyLabels([{ kind: "safe" }, jailbreak], harmful)).toEqual({ unsafe: true, categories: ["C12"] })
  })
})

describe("params", () => {
  const op = { name: "demo", choices: { target: ["fr", "de"], rate: ["0.3", "1.0"] } }
  it("accepts exactly the declared heads", async () => {
    await expect(Effect.runPromise(checkParams(op, { target: "fr", rate: "1.0" }))).resolves.toBeUndefined()
  })
  it("names the missing, unknown or bad param", async () => {
    const msg = async (p: Record<string, string>) => {
      const exit = await Effect.runPromiseExit(checkParams(op, p))
      return Exit.isFailure(exit) ? String(exit.cause) : "passed"
    }
    expect(await msg({ target: "fr" })).toContain('missing param "rate"')
    expect(await msg({ target: "xx", rate: "1.0" })).toContain('target="xx" is not one of fr, de')
    expect(await msg({ target: "fr", rate: "1.0", extra: "1" })).toContain('unknown param "extra"')
  })
})

describe("registry", () => {
  it("lists every operator in OPERATOR_NAMES order; llm-rewrite needs a URL", async () => {
    const { names, llm } = await Effect.runPromise(Effect.scoped(Effect.gen(function* () {
      const reg = yield* makeOperators()
      const av = yield* reg.availability
      return { names: reg.all.map((o) => o.name), llm: av.find((a) => a.name === "llm-rewrite")?.unavailable }
    })))
    expect(names).toEqual([...OPERATOR_NAMES])
    expect(llm?.missing).toEqual(["generator.llm.url"])
    expect(llm?.message).toContain("no OpenAI-compatible endpoint configured")
  })

  it("applyGrouped: one call per (operator, params), outputs in request order, reproducible", async () => {
    const requests: Array<RewriteRequest> = [
      { operator: "obfuscate", params: { style: "leet", intensity: "high" }, input: { text: "steal the password", lang: "en" as const } },
      { operator: "context-padding", params: { position: "after" }, input: { text: "Bonjour", lang: "fr" as const } },
      { operator: "obfuscate", params: { intensity: "high", style: "leet" }, input: { text: "make a bomb", lang: "en" as const } }
    ]
    const run = () => Effect.runPromise(Effect.scoped(Effect.gen(function* () {
      const reg = yield* makeOperators()
      return yield* applyGrouped(reg, requests, new Rng(11))
    })))
    const a = await run()
    expect(a).toHaveLength(3)
    expect(a[0]?.text).toMatch(/[0-9]/)
    expect(a[1]?.text.startsWith("Bonjour ")).toBe(true)
    expect(a[2]?.text).not.toBe("make a bomb")
    expect(await run()).toEqual(a)
  })

  it("applyGrouped: an unknown operator is an error naming it", async () => {
    const exit = await Effect.runPromiseExit(Effect.scoped(Effect.gen(function* () {
      const reg = yield* makeOperators()
      return yield* applyGrouped(reg, [{ operator: "nope", params: {}, input: { text: "x", lang: "en" } }], new Rng(1))
    })))
    expect(Exit.isFailure(exit) && String(exit.cause)).toContain("operator nope: no such operator")
  })
})
