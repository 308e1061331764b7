/**
 * Failures of the language tools. They keep the names they had when only the rewrite operators
 * used the tools, because runs and reports name them: `operator` is whoever asked for the tool
 * (a rewrite operator, `build-lexicon`, `crosslingual-dev`).
 */
import { Data } from "effect"

/** The machine lacks something the operator needs. `missing` names Debian packages or files. */
export class OperatorUnavailable extends Data.TaggedError("OperatorUnavailable")<{
  readonly operator: string
  readonly missing: ReadonlyArray<string>
  readonly reason: string
}> {
  override get message() {
    return `operator ${this.operator} unavailable: ${this.reason}` +
      (this.missing.length > 0 ? ` (missing: ${this.missing.join(", ")})` : "")
  }
}

/** An operator failed on a batch (bad params, a child process that kept failing, a bad reply). */
export class OperatorError extends Data.TaggedError("OperatorError")<{
  readonly operator: string
  readonly reason: string
}> {
  override get message() {
    return `operator ${this.operator}: ${this.reason}`
  }
}
