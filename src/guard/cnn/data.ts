/**
 * The rows a CNN guard trains on, as the self-play game's guard stage builds them (the same
 * function, src/game/guard-rows.ts `guardRows`): the seed minus the generalization check's
 * held-out rows (src/eval/generalization.ts `isHeldOutRow`, as src/game/context.ts drops them),
 * plus synthetic rows relabelled as ONE balancing source, "selfplay".
 */
import { Effect } from "effect"
import * as fs from "node:fs"
import { Example } from "../../../schemas/example.ts"
import type { FileError, RowDecodeError } from "../../data/errors.ts"
import { readRows } from "../../data/parquet.ts"
import { isHeldOutRow } from "../../eval/generalization.ts"
import { guardRows } from "../guard-rows.ts"
import { GuardError } from "../errors.ts"
import type { TrainRow } from "../train-data.ts"

/** `a.parquet,b.parquet` → the paths; an empty entry is an error (a stray comma drops a file silently otherwise). */
export const parseFileList = (list: string, option = "--synthetic"): Effect.Effect<Array<string>, GuardError> => {
  const parts = list.split(",").map((s) => s.trim())
  const empty = parts.findIndex((p) => p === "")
  return empty >= 0
    ? Effect.fail(new GuardError({ reason: `${option}: entry ${empty + 1} of "${list}" is empty (give comma-separated file paths)` }))
    : Effect.succeed(parts)
}

/** Fail, naming the file, unless every file exists and is a file. */
export const checkFiles = (files: ReadonlyArray<string>, option = "--synthetic"): Effect.Effect<void, GuardError> =>
  Effect.forEach(files, (f) =>
    Effect.suspend(() => {
      const st = fs.statSync(f, { throwIfNoEntry: false })
      return st === undefined
        ? Effect.fail(new GuardError({ reason: `${option}: ${f} does not exist` }))
        : st.isFile()
          ? Effect.void
          : Effect.fail(new GuardError({ reason: `${option}: ${f} is not a file` }))
    })
  ).pipe(Effect.asVoid)

export interface CnnData {
  readonly train: Array<TrainRow>
  readonly validation: Array<TrainRow>
  /** Synthetic rows used (train + validation), per file. */
  readonly synthetic: ReadonlyArray<{ readonly file: string; readonly rows: number }>
  /** Synthetic rows dropped because their parent is a held-out seed row (the game never makes any). */
  readonly droppedHeldOutChildren: number
}

/** Seed rows (held-out ones excluded) + synthetic rows as one source, split by their `split`. */
export const buildCnnData = (seed: ReadonlyArray<Example>, syntheticFiles: ReadonlyArray<string>): Effect.Effect<CnnData, GuardError | FileError | RowDecodeError> =>
  Effect.gen(function* () {
    const byId = new Map(seed.map((r) => [r.id, r]))
    const kept = seed.filter((r) => !isHeldOutRow(r))
    const synthetic: Array<Example> = []
    const perFile: Array<{ file: string; rows: number }> = []
    let dropped = 0
    for (const file of syntheticFiles) {
      const rows = yield* readRows(Example, file)
      if (rows.length === 0) return yield* new GuardError({ reason: `--synthetic: ${file} has no rows` })
      // The game never rewrites a held-out row; a table from elsewhere might.
      const usable = rows.filter((r) => {
        const parent = byId.get(r.parent_id ?? "")
        return parent === undefined || !isHeldOutRow(parent)
      })
      dropped += rows.length - usable.length
      synthetic.push(...usable)
      perFile.push({ file, rows: usable.length })
    }
    const { train, validation } = guardRows(
      kept.filter((r) => r.split === "train"),
      kept.filter((r) => r.split === "validation"),
      synthetic,
      byId
    )
    return { train, validation, synthetic: perFile, droppedHeldOutChildren: dropped }
  })
