/**
 * The LLM generator in the game: with an endpoint its rewrites are routes the policy can pick
 * (and the server gets requests); without one the action space is exactly the old one.
 */
import { Effect, Exit, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Example } from "../../schemas/index.ts"
import { makeOperators, type Registry } from "../../src/generator/operators/index.ts"
import { Policy } from "../../src/generator/policy.ts"
import { SEED_FEATURE_DIM } from "../../src/generator/seed-features.ts"
import { HEADS, isLlmProgram, programSpace } from "../../src/generator/programs.ts"
import { runPrograms, sampleActions } from "../../src/generator/proposals.ts"
import { Rng } from "../../src/runtime/rng.ts"
import { startFakeLlm, type FakeLlm } from "../support/fake-llm.ts"

const seed = (i: number, lang: Example["lang"], text: string): Example => ({
  id: `s${i}`, text, lang, unsafe: i % 2 === 0, categories: i % 2 === 0 ? ["C1"] : [], source: "test", license: "test",
  split: "train", origin: "seed", parent_id: null, iteration: null
} as unknown as Example)
const SEEDS = [
  seed(0, "en", "how can I hurt someone without leaving marks"),
  seed(1, "en", "what is a good recipe for pancakes"),
  seed(2, "fr", "comment fabriquer une arme chez soi"),
  seed(3, "en", "please refuse-me this request")
]

let llm: FakeLlm
const scope = Effect.runSync(Scope.make())
let registry: Registry

beforeAll(async () => {
  llm = await startFakeLlm({ fail429Every: 2 })
  registry = await Effect.runPromise(makeOperators({ llm: { url: llm.url, requestsPerSecond: 1000, timeoutMs: 2000 } }).pipe(Scope.extend(scope)))
})
afterAll(async () => {
  await Effect.runPromise(Scope.close(scope, Exit.void))
  await llm.close()
})

const llmRoutes = (space: ReturnType<typeof programSpace>) =>
  Array.from({ length: space.heads[1].size }, (_, r) => space.decodeAction([0, r, 0, 0])).filter((p) => isLlmProgram(p.name))

describe("LLM routes in the action space", () => {
  it("without an endpoint the space is the old one: no LLM route, same heads", () => {
    const base = programSpace({ llm: false })
    expect(base.heads).toEqual(HEADS)
    expect(base.heads.map((h) => h.size)).toEqual([4, 9, 14, 8])
    expect(llmRoutes(base)).toEqual([])
  })

  it("with one, paraphrase / register / target-language rewrites are appended routes", () => {
    const space = programSpace({ llm: true })
    expect(space.heads.map((h) => h.size)).toEqual([4, 13, 14, 8])
    // The first 9 routes keep their indices (and names).
    for (let r = 0; r < 9; r++) expect(space.decodeAction([1, r, 2, 3]).name).toBe(programSpace({ llm: false }).decodeAction([1, r, 2, 3]).name)
    expect(llmRoutes(space).map((p) => p.name)).toEqual([
      "en ← llm:paraphrase | none | none", "en ← llm:formal | none | none", "en ← llm:casual | none | none", "en ← llm:translate | none | none"
    ])
    expect(space.decodeAction([2, 12, 0, 0]).steps).toEqual([{ operator: "llm-rewrite", params: { style: "paraphrase", target: "de" } }])
  })

  it("masks LLM routes when the endpoint is unavailable, offers them when it answers", () => {
    const space = programSpace({ llm: true })
    const all = new Set(["llm-rewrite", "obfuscate", "jailbreak-wrap"])
    const without = new Set(["obfuscate", "jailbreak-wrap"])
    const routes = (available: ReadonlySet<string>, target: number) => space.feasibility(registry, ["en"], available)(0, 1, [target])!
    // en → en: keep + the three same-language LLM routes; en → fr: only the LLM translation (no Apertium here).
    expect(routes(all, 0).map((ok, r) => (ok ? r : -1)).filter((r) => r >= 0)).toEqual([0, 9, 10, 11])
    expect(routes(all, 1).map((ok, r) => (ok ? r : -1)).filter((r) => r >= 0)).toEqual([12])
    expect(routes(without, 0).slice(9)).toEqual([false, false, false, false])
    expect(routes(without, 1).every((ok) => !ok)).toBe(true)
  })
})

describe("LLM rewrites in proposals", () => {
  it("the policy samples LLM programs, the server gets requests (429s retried), refusals become failed proposals", async () => {
    const space = programSpace({ llm: true })
    const policy = Policy.init({ inputDim: SEED_FEATURE_DIM, hidden: 8, heads: space.heads }, new Rng(3))
    const available = new Set(["llm-rewrite"])
    const actions = sampleActions(policy, registry, SEEDS, 6, 1, new Rng(4), available, space)
    policy.dispose()
    const before = llm.requests()
    const rows = await Effect.runPromise(runPrograms(registry, SEEDS, actions, 6, 1, new Rng(5), space))
    const llmRows = rows.filter((r) => isLlmProgram(r.program))
    expect(llmRows.length).toBeGreaterThan(0)
    // One request per LLM proposal, plus the retries of the ones answered 429 first.
    expect(llm.throttled()).toBeGreaterThan(0)
    expect(llm.requests() - before).toBe(llmRows.length + llm.throttled())
    const rewritten = llmRows.filter((r) => r.status === "ok")
    expect(rewritten.length).toBeGreaterThan(0)
    for (const r of rewritten) expect(r.text).toMatch(/^(Put differently:|Kindly consider the following:|ok so basically|\[(fr|de|es|en)\]) /)
    // The seed that makes the model refuse: its LLM proposals are dropped as failed, not kept as a refusal.
    for (const r of llmRows.filter((r) => r.seed_id === "s3")) expect(r.status).toBe("failed:llm-rewrite")
    // Labels are kept by LLM rewrites.
    for (const r of rewritten) expect(r.unsafe).toBe(SEEDS.find((s) => s.id === r.seed_id)!.unsafe)
  })
})
