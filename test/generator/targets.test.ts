/**
 * `generatorTargets`: the policy's target head can reach Italian and Portuguese. Only the
 * head's size and the decoded names change; the default space stays byte-identical, and in a
 * language without frame templates only the plain frame is feasible.
 */
import { Effect, Exit, Schema, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeOperators, type Registry } from "../../src/generator/operators/index.ts"
import { HEADS, programSpace } from "../../src/generator/programs.ts"
import { DEFAULT_SELFPLAY, SelfPlayConfig } from "../../src/game/config.ts"

const scope = Effect.runSync(Scope.make())
let registry: Registry
beforeAll(async () => {
  registry = await Effect.runPromise(makeOperators({}).pipe(Scope.extend(scope)))
})
afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))

const SIX = ["en", "fr", "de", "es", "it", "pt"] as const
// Every operator counts as installed: feasibility then says what the programs allow, not what this machine has.
const ALL = new Set(["translate", "back-translate", "synonyms", "freedict-mix", "jailbreak-wrap", "safe-frame", "context-padding", "benign-lookalike", "obfuscate"])

describe("generator targets", () => {
  it("absent, the space is the default one", () => {
    expect(programSpace({ llm: false, targets: undefined }).heads).toEqual(HEADS)
  })

  it("six targets: the target head grows, the others keep their sizes and names", () => {
    const space = programSpace({ llm: false, targets: SIX })
    expect(space.heads.map((h) => h.size)).toEqual([6, ...HEADS.slice(1).map((h) => h.size)])
    expect(space.decodeAction([5, 5, 0, 0])).toEqual({
      target: "pt",
      steps: [{ operator: "translate", params: { target: "pt" } }],
      name: "pt ← translate | none | none"
    })
    expect(space.decodeAction([1, 5, 2, 0]).name).toBe(programSpace({ llm: false }).decodeAction([1, 5, 2, 0]).name)
  })

  it("an English seed can be translated into Italian and Portuguese, a German one cannot; frames stay plain there", () => {
    const space = programSpace({ llm: false, targets: SIX })
    const mask = space.feasibility(registry, ["en", "de"], ALL)
    expect(mask(0, 0, [])!).toEqual([true, true, true, true, true, true])
    expect(mask(1, 0, [])!.slice(4)).toEqual([false, false])
    const frames = mask(0, 2, [5])!
    expect(frames[0]).toBe(true)
    expect(frames.slice(1).some((ok) => ok)).toBe(false)
  })

  it("the config accepts only languages something can write", () => {
    const decode = Schema.decodeUnknownEither(SelfPlayConfig)
    expect(decode({ ...DEFAULT_SELFPLAY, generatorTargets: [...SIX] })._tag).toBe("Right")
    expect(decode({ ...DEFAULT_SELFPLAY, generatorTargets: ["en", "ru"] })._tag).toBe("Left")
    expect(decode({ ...DEFAULT_SELFPLAY, generatorTargets: [] })._tag).toBe("Left")
    expect(decode({ ...DEFAULT_SELFPLAY, generatorTargets: ["en", "pt", "en"] })._tag).toBe("Left")
  })
})
