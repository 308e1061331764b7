/**
 * One DPO step of the generator: from judged proposals, build preference pairs within each
 * seed (chosen = the guard was fooled, rejected = it was not) and update the policy with
 * Adam on the DPO+RPO loss against a frozen reference (the policy at the iteration's start).
 */
import * as tf from "@tensorflow/tfjs"
import type { Rng } from "../runtime/rng.ts"
import { dpoLoss, type DpoHyper } from "./dpo.ts"
import type { Action, Policy, RowMask } from "./policy.ts"

export interface JudgedProposal {
  readonly seedIndex: number
  readonly action: Action
  /** True when the guard's verdict disagrees with the label the proposal should carry. */
  readonly fooled: boolean
}

export interface PreferencePair {
  readonly seedIndex: number
  readonly chosen: Action
  readonly rejected: Action
}

/** Every (fooled, not fooled) combination within a seed, at most `maxPerSeed`, seeded choice. */
export const buildPairs = (judged: ReadonlyArray<JudgedProposal>, maxPerSeed: number, rng: Rng): Array<PreferencePair> => {
  const bySeed = new Map<number, Array<JudgedProposal>>()
  for (const j of judged) {
    let g = bySeed.get(j.seedIndex)
    if (!g) bySeed.set(j.seedIndex, (g = []))
    g.push(j)
  }
  const pairs: Array<PreferencePair> = []
  for (const seedIndex of [...bySeed.keys()].sort((a, b) => a - b)) {
    const g = bySeed.get(seedIndex)!
    const chosen = g.filter((j) => j.fooled)
    const rejected = g.filter((j) => !j.fooled)
    const all: Array<PreferencePair> = []
    for (const c of chosen) for (const r of rejected) all.push({ seedIndex, chosen: c.action, rejected: r.action })
    pairs.push(...rng.shuffle(all).slice(0, maxPerSeed))
  }
  return pairs
}

export interface DpoTrainConfig extends DpoHyper {
  readonly learningRate: number
  readonly epochs: number
  readonly batchSize: number
}

export interface DpoTrainStats {
  readonly pairs: number
  readonly lossFirstEpoch: number
  readonly lossLastEpoch: number
  /** Share of pairs where the policy prefers chosen over rejected more than the reference does. */
  readonly rewardAccuracy: number
}

/**
 * Update `policy` in place. `features` is row-major [nSeeds, dim]; pairs index into it.
 * Deterministic given the Rng (batch order) and the CPU/WASM backend.
 */
export const trainDpo = (
  policy: Policy,
  reference: Policy,
  features: Float32Array,
  dim: number,
  pairs: ReadonlyArray<PreferencePair>,
  config: DpoTrainConfig,
  rng: Rng,
  /** The feasibility masks used when sampling, indexed by seed: log-probs must match them. */
  seedMask?: RowMask
): DpoTrainStats => {
  const maskOf = (batch: ReadonlyArray<PreferencePair>): RowMask | undefined =>
    seedMask && ((row, head, prev) => seedMask(batch[row].seedIndex, head, prev))
  if (pairs.length === 0) return { pairs: 0, lossFirstEpoch: NaN, lossLastEpoch: NaN, rewardAccuracy: NaN }
  const optimizer = tf.train.adam(config.learningRate)
  const rowsOf = (ps: ReadonlyArray<PreferencePair>) => {
    const x = new Float32Array(ps.length * dim)
    ps.forEach((p, i) => x.set(features.subarray(p.seedIndex * dim, (p.seedIndex + 1) * dim), i * dim))
    return tf.tensor2d(x, [ps.length, dim])
  }
  const epochLosses: Array<number> = []
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    const order = rng.shuffle(pairs.map((_, i) => i))
    let sum = 0
    for (let s = 0; s < order.length; s += config.batchSize) {
      const batch = order.slice(s, s + config.batchSize).map((i) => pairs[i])
      const x = rowsOf(batch)
      const chosen = batch.map((p) => p.chosen)
      const rejected = batch.map((p) => p.rejected)
      const mask = maskOf(batch)
      const refC = reference.logProb(x, chosen, 1, mask)
      const refR = reference.logProb(x, rejected, 1, mask)
      const loss = optimizer.minimize(
        () => dpoLoss(policy.logProb(x, chosen, 1, mask), policy.logProb(x, rejected, 1, mask), refC, refR, config),
        true,
        [...policy.vars.values()]
      )!
      sum += loss.dataSync()[0] * batch.length
      tf.dispose([x, refC, refR, loss])
    }
    epochLosses.push(sum / pairs.length)
  }
  optimizer.dispose()
  // Reward accuracy on all pairs after training.
  const acc = tf.tidy(() => {
    const x = rowsOf(pairs)
    const mask = maskOf(pairs)
    const lp = (p: Policy, side: "chosen" | "rejected") => p.logProb(x, pairs.map((q) => q[side]), 1, mask)
    const margin = tf.sub(tf.sub(lp(policy, "chosen"), lp(reference, "chosen")), tf.sub(lp(policy, "rejected"), lp(reference, "rejected")))
    return tf.mean(tf.cast(tf.greater(margin, 0), "float32")).dataSync()[0]
  })
  return { pairs: pairs.length, lossFirstEpoch: epochLosses[0], lossLastEpoch: epochLosses[epochLosses.length - 1], rewardAccuracy: acc }
}
