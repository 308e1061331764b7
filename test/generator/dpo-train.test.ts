import { describe, expect, it } from "vitest"
import * as tf from "@tensorflow/tfjs"
import { buildPairs, trainDpo, type JudgedProposal } from "../../src/generator/dpo-train.ts"
import { Policy } from "../../src/generator/policy.ts"
import { Rng } from "../../src/runtime/rng.ts"

describe("buildPairs", () => {
  it("pairs fooled with not-fooled proposals of the same seed only", () => {
    const j: JudgedProposal[] = [
      { seedIndex: 0, action: [0], fooled: true },
      { seedIndex: 0, action: [1], fooled: false },
      { seedIndex: 0, action: [2], fooled: false },
      { seedIndex: 1, action: [0], fooled: true }, // no rejected partner → no pair
      { seedIndex: 2, action: [1], fooled: false }
    ]
    const pairs = buildPairs(j, 10, new Rng(1))
    expect(pairs.length).toBe(2)
    expect(pairs.every((p) => p.seedIndex === 0 && p.chosen[0] === 0)).toBe(true)
    expect(buildPairs(j, 1, new Rng(1)).length).toBe(1)
  })
})

describe("trainDpo", () => {
  it("moves probability towards the programs that fool the guard", () => {
    // A toy game: 3 programs; program 2 always fools the guard, the others never do.
    const shape = { inputDim: 3, hidden: 8, heads: [{ name: "program", size: 3 }] }
    const policy = Policy.init(shape, new Rng(1))
    const reference = policy.clone()
    const rng = new Rng(2)
    const n = 64
    const features = Float32Array.from({ length: n * 3 }, () => rng.next())
    const judged: JudgedProposal[] = []
    for (let s = 0; s < n; s++) for (let a = 0; a < 3; a++) judged.push({ seedIndex: s, action: [a], fooled: a === 2 })
    const pairs = buildPairs(judged, 4, new Rng(3))
    const x = tf.tensor2d(features, [n, 3])
    const before = tf.exp(policy.logProb(x, Array.from({ length: n }, () => [2]))).mean().dataSync()[0]
    const stats = trainDpo(policy, reference, features, 3, pairs, { beta: 1, alpha: 0.1, learningRate: 0.05, epochs: 5, batchSize: 32 }, new Rng(4))
    const after = tf.exp(policy.logProb(x, Array.from({ length: n }, () => [2]))).mean().dataSync()[0]
    expect(after).toBeGreaterThan(before + 0.2)
    expect(stats.lossLastEpoch).toBeLessThan(stats.lossFirstEpoch)
    expect(stats.rewardAccuracy).toBe(1)
  })
})
