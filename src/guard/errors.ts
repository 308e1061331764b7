import { Data } from "effect"

/** Anything that goes wrong loading, running, training or saving a guard; `reason` names the file / row / field. */
export class GuardError extends Data.TaggedError("GuardError")<{ readonly reason: string }> {
  override get message() {
    return this.reason
  }
}
