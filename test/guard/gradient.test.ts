/**
 * The embedding bag's hand-written gradient (our replacement for GatherV2's, which goes
 * through UnsortedSegmentSum) against (a) tfjs's own gather gradient on the CPU backend and
 * (b) central finite differences.
 */
import { beforeAll, describe, expect, it } from "vitest"
import * as tf from "@tensorflow/tfjs-core"
import "@tensorflow/tfjs-backend-cpu"
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm"
import { ensureGradients } from "../../src/guard/gradients.ts"
import { bagIndex, disposeBag, embeddingBag } from "../../src/guard/model.ts"
import { wasmDistDir } from "../../src/runtime/backend.ts"

// 3 texts over a 7-row table; row 2 is shared, row 6 is never used (its gradient must be 0),
// text 1 repeats nothing, text 2 has one feature.
const offsets = Int32Array.from([0, 3, 5, 6])
const ids = Int32Array.from([0, 2, 5, 2, 3, 4])
const ROWS = 7, DIM = 3
const tableData = Float32Array.from({ length: ROWS * DIM }, (_, i) => Math.sin(i + 1))
// A nonlinear function of the pooled output, so dy differs per text and per column.
const upstream = (pooled: tf.Tensor) => tf.sum(tf.mul(tf.square(pooled), tf.range(1, 1 + 3 * DIM).reshape([3, DIM])))

/** Runs `f` with the bag's index tensors alive (the gradient reads them after the forward). */
const withBag = <A>(f: (ours: (table: tf.Tensor) => tf.Scalar) => A): A => {
  const bag = bagIndex({ size: 3, offsets, ids }, ids, ROWS, true)
  try {
    return f((table) => upstream(embeddingBag(table as tf.Tensor2D, bag)) as tf.Scalar)
  } finally {
    disposeBag(bag)
  }
}

/** Same function built from tf.gather + a one-hot segment matrix: tfjs differentiates GatherV2 itself. */
const reference = (table: tf.Tensor) => {
  const rows = tf.gather(table, tf.tensor1d(ids, "int32"))
  const seg = new Float32Array(3 * ids.length)
  for (let b = 0; b < 3; b++) {
    for (let i = offsets[b]; i < offsets[b + 1]; i++) seg[b * ids.length + i] = 1 / Math.sqrt(offsets[b + 1] - offsets[b])
  }
  return upstream(tf.matMul(tf.tensor2d(seg, [3, ids.length]), rows))
}

/** tfjs's own gradient of the reference, on CPU (WASM has no UnsortedSegmentSum to compute it). */
let referenceGrad: Array<number>

beforeAll(async () => {
  tf.env().set("PROD", true)
  setWasmPaths(wasmDistDir())
  await import("@tensorflow/tfjs-backend-wasm")
  await ensureGradients()
  expect(await tf.setBackend("cpu")).toBe(true)
  referenceGrad = Array.from(tf.grad(reference)(tf.tensor2d(tableData, [ROWS, DIM])).dataSync())
})

describe.each(["cpu", "wasm"])("embeddingBag gradient on %s", (backend) => {
  beforeAll(async () => {
    expect(await tf.setBackend(backend)).toBe(true)
  })

  it("forward equals the gather-based reference", () => {
    const t = tf.tensor2d(tableData, [ROWS, DIM])
    withBag((ours) => expect(ours(t).dataSync()[0]).toBeCloseTo(reference(t).dataSync()[0], 4))
  })

  it("matches tfjs's GatherV2 gradient", () => {
    const t = tf.tensor2d(tableData, [ROWS, DIM])
    const g = withBag((ours) => Array.from(tf.grad(ours)(t).dataSync()))
    const want = referenceGrad
    for (let i = 0; i < want.length; i++) expect(g[i]).toBeCloseTo(want[i], 4)
    // The unused row gets exactly zero (the padding path of the gradient).
    expect(g.slice(6 * DIM)).toEqual([0, 0, 0])
  })

  it("matches central finite differences", () => {
    const t = tf.tensor2d(tableData, [ROWS, DIM])
    withBag((ours) => {
      const g = tf.grad(ours)(t).dataSync()
      const h = 1e-2
      for (let i = 0; i < ROWS * DIM; i++) {
        const plus = tableData.slice(), minus = tableData.slice()
        plus[i] += h
        minus[i] -= h
        const fd = (ours(tf.tensor2d(plus, [ROWS, DIM])).dataSync()[0] - ours(tf.tensor2d(minus, [ROWS, DIM])).dataSync()[0]) / (2 * h)
        expect(g[i]).toBeCloseTo(fd, 2)
      }
    })
  })
})
