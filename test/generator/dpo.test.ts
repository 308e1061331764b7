import { describe, expect, it } from "vitest"
import * as tf from "@tensorflow/tfjs"
import { dpoLoss, dpoLossScalar } from "../../src/generator/dpo.ts"

describe("DPO + RPO loss", () => {
  it("matches hand-computed values", () => {
    // Pair 1: policy = reference → margin 0 → −log σ(0) = log 2 = 0.693147;
    //         NLL(y_w) = −(−1) = 1; with α = 0.4 → 0.693147 + 0.4 = 1.093147
    // Pair 2: chosen up by 2 nats vs ref, rejected down by 1 → margin = 2 − (−1) = 3;
    //         β = 0.5 → z = 1.5 → −log σ(1.5) = log(1 + e^−1.5) = 0.201413;
    //         NLL = −(−0.5) = 0.5 → 0.201413 + 0.2 = 0.401413
    // Mean = (1.093147 + 0.401413) / 2 = 0.747280
    const loss = dpoLoss(
      tf.tensor1d([-1, -0.5]),
      tf.tensor1d([-2, -4]),
      tf.tensor1d([-1, -2.5]),
      tf.tensor1d([-2, -3]),
      { beta: 0.5, alpha: 0.4 }
    )
    expect(loss.dataSync()[0]).toBeCloseTo(0.74728, 5)
    const scalar = dpoLossScalar(
      [
        { policyChosen: -1, policyRejected: -2, refChosen: -1, refRejected: -2 },
        { policyChosen: -0.5, policyRejected: -4, refChosen: -2.5, refRejected: -3 }
      ],
      { beta: 0.5, alpha: 0.4 }
    )
    expect(scalar).toBeCloseTo(0.74728, 5)
  })

  it("is stable for large margins of either sign", () => {
    const big = dpoLossScalar([{ policyChosen: 0, policyRejected: -1000, refChosen: 0, refRejected: 0 }], { beta: 1, alpha: 0 })
    expect(big).toBeCloseTo(0, 6)
    const bad = dpoLossScalar([{ policyChosen: 0, policyRejected: 1000, refChosen: 0, refRejected: 0 }], { beta: 1, alpha: 0 })
    expect(bad).toBeCloseTo(1000, 6)
    const t = dpoLoss(tf.tensor1d([0]), tf.tensor1d([1000]), tf.tensor1d([0]), tf.tensor1d([0]), { beta: 1, alpha: 0 })
    expect(t.dataSync()[0]).toBeCloseTo(1000, 3)
  })

  it("its gradient raises the chosen and lowers the rejected log-prob", () => {
    const g = tf.grads((c: tf.Tensor, r: tf.Tensor) =>
      dpoLoss(c as tf.Tensor1D, r as tf.Tensor1D, tf.tensor1d([-1]), tf.tensor1d([-1]), { beta: 1, alpha: 0.4 })
    )([tf.tensor1d([-1]), tf.tensor1d([-1])])
    expect(g[0].dataSync()[0]).toBeLessThan(0) // descending the loss increases log π(y_w)
    expect(g[1].dataSync()[0]).toBeGreaterThan(0) // and decreases log π(y_l)
  })
})
