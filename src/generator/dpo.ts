/**
 * Direct Preference Optimization with the RPO term (the paper's generator objective):
 *
 *   L = −log σ(β [(log πθ(y_w) − log π_ref(y_w)) − (log πθ(y_l) − log π_ref(y_l))]) + α · NLL(y_w)
 *
 * y_w (chosen) = a proposal the guard misclassified, y_l (rejected) = one it got right, both
 * rewrites of the same seed. NLL(y_w) = −log πθ(y_w), averaged over pairs (the RPO term keeps
 * the chosen programs likely, not just relatively likelier than the rejected ones).
 */
import * as tf from "@tensorflow/tfjs"

export interface DpoHyper {
  /** Inverse temperature of the implicit reward; larger = stronger push per pair. */
  readonly beta: number
  /** Weight of the NLL (RPO) term on the chosen proposals. */
  readonly alpha: number
}

/** log σ(x), computed stably: −softplus(−x). */
const logSigmoid = (x: tf.Tensor): tf.Tensor => tf.neg(tf.softplus(tf.neg(x)))

/**
 * Mean loss over a batch of pairs. All inputs are 1-D tensors of equal length holding
 * sequence log-probabilities (sum over the factorized action heads).
 */
export const dpoLoss = (
  policyChosen: tf.Tensor1D,
  policyRejected: tf.Tensor1D,
  refChosen: tf.Tensor1D,
  refRejected: tf.Tensor1D,
  { alpha, beta }: DpoHyper
): tf.Scalar =>
  tf.tidy(() => {
    const margin = tf.sub(tf.sub(policyChosen, refChosen), tf.sub(policyRejected, refRejected))
    const preference = tf.neg(logSigmoid(tf.mul(beta, margin)))
    const nll = tf.neg(policyChosen)
    return tf.mean(tf.add(preference, tf.mul(alpha, nll))) as tf.Scalar
  })

/** The same loss on plain numbers, for reports and for checking the tensor version. */
export const dpoLossScalar = (
  pairs: ReadonlyArray<{ policyChosen: number; policyRejected: number; refChosen: number; refRejected: number }>,
  { alpha, beta }: DpoHyper
): number => {
  let total = 0
  for (const p of pairs) {
    const margin = p.policyChosen - p.refChosen - (p.policyRejected - p.refRejected)
    const z = beta * margin
    // −log σ(z) = log(1 + e^(−z)), stable for both signs
    const pref = z >= 0 ? Math.log1p(Math.exp(-z)) : -z + Math.log1p(Math.exp(z))
    total += pref - alpha * p.policyChosen
  }
  return total / pairs.length
}
