/**
 * Early stopping, shared by both model families' training loops: the running training loss,
 * the history of validation checks, the best checkpoint so far, and when to stop.
 */

export interface HistoryPoint {
  readonly epoch: number
  readonly step: number
  readonly trainLoss: number
  readonly validationLoss: number
}

export class EarlyStopping<W> {
  readonly history: Array<HistoryPoint> = []
  best: { readonly loss: number; readonly step: number; readonly weights: W }
  /** Set once `patience` checks in a row have not improved on the best. */
  stop = false
  private sinceBest = 0
  private running = 0
  private runningCount = 0

  constructor(weights: W, private readonly patience: number, private readonly clone: (w: W) => W) {
    this.best = { loss: Infinity, step: 0, weights: clone(weights) }
  }

  /** A training step's loss (before its update); a loss that is not finite means divergence. */
  trained(step: number, loss: number): void {
    if (!Number.isFinite(loss)) throw new Error(`training diverged at step ${step} (loss ${loss})`)
    this.running += loss
    this.runningCount++
  }

  /** A validation check after `step` (epochs of `stepsPerEpoch` steps); keeps `weights` when they are the best. */
  checked(step: number, stepsPerEpoch: number, validationLoss: number, weights: W): void {
    this.history.push({
      epoch: Math.round((step / stepsPerEpoch) * 1000) / 1000,
      step,
      trainLoss: this.running / Math.max(1, this.runningCount),
      validationLoss
    })
    this.running = 0
    this.runningCount = 0
    if (validationLoss < this.best.loss - 1e-5) {
      this.best = { loss: validationLoss, step, weights: this.clone(weights) }
      this.sinceBest = 0
    } else if (++this.sinceBest >= this.patience) this.stop = true
  }
}
