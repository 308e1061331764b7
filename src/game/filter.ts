/**
 * The filter stage, in the paper's spirit (it used a harm-rating judge, a ≤200-character length
 * change, refusal removal): a proposal is kept only if its program ran, it passes the quality
 * gates (length, not identical, language ID, untranslated tokens, spelling), it is not a
 * benchmark text (contamination), and it is neither a seed text nor a duplicate of another
 * proposal. Every dropped proposal records the first reason, so reports can count them.
 *
 * The label-consistency judge is operator semantics plus the paper's agreement rule: each
 * operator declares whether it keeps, sets or adds to the seed's label (operators/operator.ts),
 * and — as the paper keeps only proposals whose harm rating agrees with the seed's label — a
 * proposal whose program flipped the label (a safe frame around an unsafe text, a jailbreak
 * wrapper around a benign request) is dropped when `requireSeedLabel` is on. Quoted hate is
 * still hate to most moderation policies; such flips would teach the guard the opposite.
 * There is no model-based harm rater: no LLM is available offline, and scoring with a guard
 * would select the very examples the game wants to find.
 */
import { Effect } from "effect"
import type { ContaminationIndex } from "../data/contamination.ts"
import { detectLanguage } from "../data/langid.ts"
import { matchKey } from "../data/normalize.ts"
import { evaluateGates } from "../generator/quality.ts"
import type { SpellCheckError } from "../language/hunspell.ts"
import type { ProposalRow } from "../generator/proposals.ts"

export interface FilteredRow extends ProposalRow {
  /** "" when kept, else the first reason it was dropped. */
  readonly dropped: string
}

export interface FilterContext {
  readonly seedText: (seedId: string) => string
  /** The seed's label, for the agreement rule; omit to allow label-changing programs. */
  readonly seedUnsafe?: (seedId: string) => boolean
  /** matchKeys of every text the guard already trains on (seed rows, earlier synthetic rows). */
  readonly knownKeys: ReadonlySet<string>
  readonly contamination: ContaminationIndex
}

export const filterProposals = (
  proposals: ReadonlyArray<ProposalRow>,
  ctx: FilterContext
): Effect.Effect<Array<FilteredRow>, SpellCheckError> =>
  Effect.gen(function* () {
    const ran = proposals.map((p, i) => (p.text !== null && p.text.trim() !== "" ? i : -1)).filter((i) => i >= 0)
    const verdicts = yield* evaluateGates(
      ran.map((i) => {
        const p = proposals[i]
        return {
          seed: ctx.seedText(p.seed_id),
          output: { text: p.text!, lang: p.lang as never, untranslated: p.untranslated ?? undefined, codeMixed: p.code_mixed }
        }
      }),
      { detect: detectLanguage }
    )
    const gateReason = new Map<number, string>()
    ran.forEach((i, j) => {
      const failed = verdicts[j].results.find((r) => !r.pass)
      gateReason.set(i, failed ? `gate:${failed.gate}` : "")
    })
    const seen = new Set<string>()
    return proposals.map((p, i) => {
      const reason = (() => {
        if (p.status !== "ok") return p.status
        if (p.text === null || p.text.trim() === "") return "empty"
        if (ctx.seedUnsafe && ctx.seedUnsafe(p.seed_id) !== p.unsafe) return "label-flipped"
        const gate = gateReason.get(i)!
        if (gate !== "") return gate
        const key = matchKey(p.text)
        if (ctx.contamination.checkKey(key) !== null) return "benchmark-contamination"
        if (ctx.knownKeys.has(key)) return "duplicate-of-training-row"
        if (seen.has(key)) return "duplicate-proposal"
        seen.add(key)
        return ""
      })()
      return { ...p, dropped: reason }
    })
  })

/** Counts of dropped proposals by reason (kept = ""), for the report. */
export const dropCounts = (rows: ReadonlyArray<FilteredRow>): Record<string, number> => {
  const out: Record<string, number> = {}
  for (const r of rows) {
    const k = r.dropped === "" ? "kept" : r.dropped
    out[k] = (out[k] ?? 0) + 1
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)))
}
