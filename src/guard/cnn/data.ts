/**
 * The rows a CNN guard trains on, as the self-play game's guard stage builds them
 * (src/game/stages.ts `trainGuardStage`): the seed minus the generalization check's held-out
 * rows, plus synthetic rows relabelled as ONE balancing source, "selfplay" (keyed by their
 * parents' ~30 sources they would form ~60 groups, each weighing as much as a real dataset).
 */
import { Effect } from "effect"
import * as fs from "node:fs"
import { Example } from "../../../schemas/example.ts"
import type { FileError, RowDecodeError } from "../../data/errors.ts"
import { readRows } from "../../data/parquet.ts"
import { isHeldOutRow } from "../../eval/generalization.ts"
import { GuardError } from "../errors.ts"
import type { TrainRow } from "../train.ts"

/**
 * The balancing source of every synthetic row: src/game/stages.ts `SELFPLAY_SOURCE` (not
 * imported: that module loads the whole game, ~10 s).
 */
export const SELFPLAY_SOURCE = "selfplay"

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
    const train: Array<TrainRow> = kept.filter((r) => r.split === "train")
    const validation: Array<TrainRow> = kept.filter((r) => r.split === "validation")
    const synthetic: Array<{ file: string; rows: number }> = []
    let dropped = 0
    for (const file of syntheticFiles) {
      const rows = yield* readRows(Example, file)
      if (rows.length === 0) return yield* new GuardError({ reason: `--synthetic: ${file} has no rows` })
      let used = 0
      for (const r of rows) {
        const parent = byId.get(r.parent_id ?? "")
        if (parent !== undefined && isHeldOutRow(parent)) {
          dropped++
          continue
        }
        const row: TrainRow = { ...r, source: SELFPLAY_SOURCE, ...(parent ? { derivedFrom: parent.source } : {}) }
        ;(r.split === "train" ? train : validation).push(row)
        used++
      }
      synthetic.push({ file, rows: used })
    }
    return { train, validation, synthetic, droppedHeldOutChildren: dropped }
  })
