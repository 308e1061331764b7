/**
 * The generator's policy π(a | x): a small MLP over seed features with factorized categorical
 * heads (e.g. target language, rewrite program, intensity). Log-probabilities are exact: the
 * sum over heads of log-softmax, where a head may be masked by the choice of an earlier head
 * (a program that cannot produce the chosen language is never sampled and carries no mass).
 */
import * as tf from "@tensorflow/tfjs"
import type { Rng } from "../runtime/rng.ts"

export interface HeadSpec {
  readonly name: string
  readonly size: number
  /** Allowed choices of this head given the chosen value of an earlier head. */
  readonly maskedBy?: { readonly head: string; readonly allowed: ReadonlyArray<ReadonlyArray<boolean>> }
}

export interface PolicyShape {
  readonly inputDim: number
  readonly hidden: number
  readonly heads: ReadonlyArray<HeadSpec>
}

/**
 * Extra per-row feasibility (e.g. a translation route that does not exist from the seed's
 * language): allowed choices of head `head` for row `row`, given the earlier heads' choices.
 */
export type RowMask = (row: number, head: number, prev: ReadonlyArray<number>) => ReadonlyArray<boolean> | null

/** One action: a choice index per head, in head order. */
export type Action = ReadonlyArray<number>

export interface PolicyWeights {
  readonly shape: PolicyShape
  readonly tensors: Record<string, { readonly shape: ReadonlyArray<number>; readonly values: ReadonlyArray<number> }>
}

const NEG_INF = -1e9

/** A trainable variable from a fresh tensor, which is then released (no leaked initial values). */
const toVariable = (t: tf.Tensor): tf.Variable => {
  const v = tf.variable(t, true)
  t.dispose()
  return v
}

export class Policy {
  readonly vars: Map<string, tf.Variable>

  private constructor(readonly shape: PolicyShape, vars: Map<string, tf.Variable>) {
    this.vars = vars
  }

  /** Fresh weights from the seeded Rng (Glorot-uniform-like), biases zero. */
  static init(shape: PolicyShape, rng: Rng): Policy {
    const vars = new Map<string, tf.Variable>()
    const dense = (name: string, fanIn: number, fanOut: number) => {
      const limit = Math.sqrt(6 / (fanIn + fanOut))
      const w = Float32Array.from({ length: fanIn * fanOut }, () => (rng.next() * 2 - 1) * limit)
      vars.set(`${name}/w`, toVariable(tf.tensor2d(w, [fanIn, fanOut])))
      vars.set(`${name}/b`, toVariable(tf.zeros([fanOut])))
    }
    dense("hidden", shape.inputDim, shape.hidden)
    for (const h of shape.heads) dense(`head/${h.name}`, shape.hidden, h.size)
    return new Policy(shape, vars)
  }

  static fromWeights(w: PolicyWeights): Policy {
    const vars = new Map<string, tf.Variable>()
    for (const [name, t] of Object.entries(w.tensors)) {
      vars.set(name, toVariable(tf.tensor(Float32Array.from(t.values), [...t.shape])))
    }
    return new Policy(w.shape, vars)
  }

  toWeights(): PolicyWeights {
    const tensors: Record<string, { shape: number[]; values: number[] }> = {}
    for (const name of [...this.vars.keys()].sort()) {
      const v = this.vars.get(name)!
      tensors[name] = { shape: v.shape, values: Array.from(v.dataSync()) }
    }
    return { shape: this.shape, tensors }
  }

  /** An independent copy (the DPO reference policy is the policy at the start of an iteration). */
  clone(): Policy {
    return Policy.fromWeights(this.toWeights())
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose()
  }

  /** Raw logits per head, [batch, size_h]. */
  logits(x: tf.Tensor2D): Array<tf.Tensor2D> {
    const v = (n: string) => this.vars.get(n)!
    const h = tf.relu(tf.add(tf.matMul(x, v("hidden/w")), v("hidden/b"))) as tf.Tensor2D
    return this.shape.heads.map((hd) => tf.add(tf.matMul(h, v(`head/${hd.name}/w`)), v(`head/${hd.name}/b`)) as tf.Tensor2D)
  }

  /** Allowed choices of head `h` for one row, from `maskedBy` and the caller's row mask (null = all). */
  private allowed(h: number, row: number, prev: ReadonlyArray<number>, rowMask?: RowMask): ReadonlyArray<boolean> | null {
    const hd = this.shape.heads[h]
    let allowed: ReadonlyArray<boolean> | null = null
    if (hd.maskedBy) {
      const src = this.shape.heads.findIndex((x) => x.name === hd.maskedBy!.head)
      allowed = hd.maskedBy.allowed[prev[src]]
    }
    const extra = rowMask?.(row, h, prev) ?? null
    if (extra) allowed = allowed ? allowed.map((ok, j) => ok && extra[j]) : extra
    return allowed
  }

  /** Per-row masks (1 allowed / 0 not) for each head, given the actions of earlier heads. */
  private masks(actions: ReadonlyArray<Action>, rowMask?: RowMask): Array<tf.Tensor2D | null> {
    return this.shape.heads.map((hd, h) => {
      const rows = actions.map((a, r) => this.allowed(h, r, a, rowMask))
      if (rows.every((m) => m === null)) return null
      return tf.tensor2d(rows.map((m) => (m ? m.map((ok) => (ok ? 1 : 0)) : new Array(hd.size).fill(1))), [actions.length, hd.size])
    })
  }

  /** log π(a | x) for each row: Σ_heads log-softmax(masked logits)[a_h]. Differentiable. */
  logProb(x: tf.Tensor2D, actions: ReadonlyArray<Action>, temperature = 1, rowMask?: RowMask): tf.Tensor1D {
    return tf.tidy(() => {
      const logits = this.logits(x)
      const masks = this.masks(actions, rowMask)
      let total: tf.Tensor1D = tf.zeros([actions.length])
      this.shape.heads.forEach((hd, i) => {
        let l = tf.div(logits[i], temperature) as tf.Tensor2D
        const m = masks[i]
        if (m) l = tf.add(tf.mul(l, m), tf.mul(tf.sub(1, m), NEG_INF)) as tf.Tensor2D
        const lsm = tf.logSoftmax(l)
        const onehot = tf.oneHot(tf.tensor1d(actions.map((a) => a[i]), "int32"), hd.size)
        total = tf.add(total, tf.sum(tf.mul(lsm, onehot), 1)) as tf.Tensor1D
      })
      return total
    })
  }

  /** Sample one action per row, head by head (masks follow earlier choices). Seeded. */
  sample(x: tf.Tensor2D, rng: Rng, temperature = 1, rowMask?: RowMask): Array<Array<number>> {
    const probs = tf.tidy(() => this.logits(x).map((l) => tf.softmax(tf.div(l, temperature)).arraySync() as number[][]))
    const n = x.shape[0]
    const out: Array<Array<number>> = Array.from({ length: n }, () => [])
    for (let r = 0; r < n; r++) {
      this.shape.heads.forEach((_hd, h) => {
        const allowed = this.allowed(h, r, out[r], rowMask)
        const p = allowed ? probs[h][r].map((v, j) => (allowed[j] ? v : 0)) : probs[h][r]
        if (allowed && !allowed.some(Boolean)) throw new Error(`policy: no allowed choice for head ${this.shape.heads[h].name} (row ${r})`)
        out[r].push(rng.categorical(p))
      })
    }
    return out
  }
}
