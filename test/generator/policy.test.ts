import { describe, expect, it } from "vitest"
import * as tf from "@tensorflow/tfjs"
import { Policy, type PolicyShape } from "../../src/generator/policy.ts"
import { Rng } from "../../src/runtime/rng.ts"

const shape: PolicyShape = {
  inputDim: 4,
  hidden: 8,
  heads: [
    { name: "lang", size: 2 },
    // program 2 is only allowed with lang 1
    { name: "program", size: 3, maskedBy: { head: "lang", allowed: [[true, true, false], [true, true, true]] } }
  ]
}

describe("Policy", () => {
  it("log-probs are exact: they sum to 1 over all allowed actions", () => {
    const p = Policy.init(shape, new Rng(1))
    const x = tf.tensor2d([[0.1, -0.3, 0.5, 1]])
    const all = [[0, 0], [0, 1], [1, 0], [1, 1], [1, 2]]
    const lp = all.map((a) => p.logProb(x, [a]).dataSync()[0])
    const total = lp.reduce((s, v) => s + Math.exp(v), 0)
    expect(total).toBeCloseTo(1, 5)
    // a masked action has (numerically) zero probability
    expect(Math.exp(p.logProb(x, [[0, 2]]).dataSync()[0])).toBeLessThan(1e-6)
  })

  it("samples reproducibly and never a masked action", () => {
    const p = Policy.init(shape, new Rng(2))
    const x = tf.randomUniform([200, 4], -1, 1, "float32", 5) as tf.Tensor2D
    const a = p.sample(x, new Rng(9))
    expect(p.sample(x, new Rng(9))).toEqual(a)
    expect(a.some(([l, prog]) => l === 0 && prog === 2)).toBe(false)
  })

  it("round-trips its weights and clones independently", () => {
    const p = Policy.init(shape, new Rng(3))
    const q = Policy.fromWeights(JSON.parse(JSON.stringify(p.toWeights())))
    const x = tf.tensor2d([[1, 2, 3, 4]])
    expect(q.logProb(x, [[1, 2]]).dataSync()[0]).toBeCloseTo(p.logProb(x, [[1, 2]]).dataSync()[0], 6)
    const c = p.clone()
    c.vars.get("head/lang/b")!.assign(tf.tensor1d([5, -5]))
    expect(p.logProb(x, [[0, 0]]).dataSync()[0]).not.toBeCloseTo(c.logProb(x, [[0, 0]]).dataSync()[0], 3)
  })

  it("init is deterministic given the seed", () => {
    const a = Policy.init(shape, new Rng(4)).toWeights()
    const b = Policy.init(shape, new Rng(4)).toWeights()
    expect(a).toEqual(b)
  })
})

describe("Policy row masks", () => {
  it("combine with head masks in both sampling and log-probs", () => {
    const p = Policy.init(shape, new Rng(5))
    const x = tf.tensor2d([[0.2, 0.1, -0.4, 0.3], [0.2, 0.1, -0.4, 0.3]])
    // row 0 may not use program 0; row 1 is unconstrained
    const rowMask = (row: number, head: number) => (row === 0 && head === 1 ? [false, true, true] : null)
    const samples = Array.from({ length: 50 }, (_, i) => p.sample(x, new Rng(100 + i), 1, rowMask))
    expect(samples.every((s) => s[0][1] !== 0)).toBe(true)
    const all = [[0, 1], [1, 1], [1, 2]]
    const total = all.reduce((s, a) => s + Math.exp(p.logProb(x.slice([0, 0], [1, 4]), [a], 1, rowMask).dataSync()[0]), 0)
    expect(total).toBeCloseTo(1, 5)
  })
})

describe("Policy memory", () => {
  it("frees every tensor it allocated on dispose (init, fromWeights, clone)", () => {
    const before = tf.memory().numTensors
    const p = Policy.init(shape, new Rng(6))
    const q = Policy.fromWeights(p.toWeights())
    const c = q.clone()
    for (const x of [p, q, c]) x.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })
})
