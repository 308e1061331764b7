/**
 * The rows a guard of the game trains and validates on: the seed's splits plus synthetic rows,
 * which all form ONE balancing source. The guard stage (stages.ts `trainGuardStage`) and the
 * second model family (src/guard/cnn/data.ts) build them here, so both train on the same rows.
 * Light on purpose: importing stages.ts loads the whole game.
 */
import type { Example } from "../../schemas/example.ts"
import type { TrainRow } from "./train-data.ts"

/** The balancing source of every synthetic row (their `source` column keeps the parent's name). */
export const SELFPLAY_SOURCE = "selfplay"

/**
 * Seed train ∪ the synthetic rows of split "train"; seed validation ∪ those of split
 * "validation". For source balancing (every (source, language, label) group gets equal weight)
 * all synthetic rows are one source: keyed by their parents' ~30 sources they would form ~60
 * groups, each weighing as much as a whole real dataset, and drown the seed data. As one
 * source, with the clip on weight ratios, the default run's 1,267 training rows are 0.4 % of the training
 * weight (`balance.syntheticMass` scales it; docs/game-effect.md). Each keeps its parent's
 * source as `derivedFrom` (calibrate-sources.ts).
 */
export const guardRows = (
  seedTrain: ReadonlyArray<TrainRow>,
  seedValidation: ReadonlyArray<TrainRow>,
  synthetic: ReadonlyArray<Example>,
  seedById: ReadonlyMap<string, { readonly source: string }>
): { readonly train: Array<TrainRow>; readonly validation: Array<TrainRow> } => {
  const asOneSource = (r: Example): TrainRow => ({ ...r, source: SELFPLAY_SOURCE, derivedFrom: seedById.get(r.parent_id ?? "")?.source })
  return {
    train: [...seedTrain, ...synthetic.filter((r) => r.split === "train").map(asOneSource)],
    validation: [...seedValidation, ...synthetic.filter((r) => r.split === "validation").map(asOneSource)]
  }
}
