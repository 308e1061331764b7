/**
 * The embedding rows a batch touches. A training step copies only these out of the host table
 * (typically a few % of it), renumbered 0..U-1 in order of first use, so that forward, backward
 * and the Adam update all cost in proportion to the batch, not to the table.
 */

export interface TouchedRows {
  /** The table rows touched, in order of first use. */
  readonly rows: Int32Array
  /** The batch's feature ids, renumbered into `rows`. */
  readonly localIds: Int32Array
  /** Those rows' embeddings, `[rows.length, dim]`. */
  readonly table: Float32Array
}

/** Gathers the touched rows of one step at a time, with scratch reused across steps. */
export class RowGatherer {
  // stamp[id] = the last step that saw `id`; local[id] = its number within that step.
  private readonly stamp: Int32Array
  private readonly local: Int32Array

  constructor(buckets: number) {
    this.stamp = new Int32Array(buckets).fill(-1)
    this.local = new Int32Array(buckets)
  }

  /** The rows `ids` touch in `embedding` (`dim` wide); `step` must differ from the previous call's. */
  gather(ids: Int32Array, embedding: Float32Array, dim: number, step: number): TouchedRows {
    const { stamp, local } = this
    const localIds = new Int32Array(ids.length)
    const uniq = new Int32Array(ids.length)
    let count = 0
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]
      if (stamp[id] !== step) {
        stamp[id] = step
        local[id] = count
        uniq[count++] = id
      }
      localIds[i] = local[id]
    }
    const rows = uniq.subarray(0, count)
    const table = new Float32Array(rows.length * dim)
    for (let u = 0; u < rows.length; u++) table.set(embedding.subarray(rows[u] * dim, rows[u] * dim + dim), u * dim)
    return { rows, localIds, table }
  }
}
