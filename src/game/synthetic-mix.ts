/**
 * What the game adds to the guard's data, per iteration: the misclassified proposals by
 * language and label, by route (how the text changed language or words) and by frame (what was
 * wrapped around it), read from each program string ("fr ← translate | jailbreak:fiction |
 * obfuscate:casing/low", src/generator/programs.ts). It says which part of the action space fools
 * the guard, and so what the guard can learn from the game.
 */
import { table } from "../report/markdown.ts"

export interface MixRow {
  readonly lang: string
  readonly unsafe: boolean
  readonly program: string
}

/** "fr ← back-translate:es | jailbreak:fiction | …" → route "back-translate", frame "jailbreak". */
export const programParts = (program: string): { route: string; frame: string } => {
  const [head = "", frame = "none"] = program.split(" | ")
  const route = (head.split("← ")[1] ?? head).split(":")[0].trim() || "?"
  return { route, frame: frame.split(":")[0].trim() || "none" }
}

const countsOf = (keys: ReadonlyArray<string>): string => {
  const counts = new Map<string, number>()
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1)
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([k, n]) => `${k} ${n}`)
    .join(", ")
}

/** One Markdown row per iteration: rows, language × label (unsafe/safe), routes, frames. */
export const syntheticMixTable = (iterations: ReadonlyArray<{ readonly t: number; readonly rows: ReadonlyArray<MixRow> }>): string =>
  table(
    ["iteration", "rows", "language: unsafe / safe", "route", "frame"],
    iterations.map(({ t, rows }) => {
      const langs = [...new Set(rows.map((r) => r.lang))].sort()
      const byLang = langs
        .map((l) => ({ l, u: rows.filter((r) => r.lang === l && r.unsafe).length, s: rows.filter((r) => r.lang === l && !r.unsafe).length }))
        .sort((a, b) => b.u + b.s - (a.u + a.s) || (a.l < b.l ? -1 : 1))
        .map(({ l, u, s }) => `${l} ${u} / ${s}`)
        .join(", ")
      const parts = rows.map((r) => programParts(r.program))
      return [String(t), String(rows.length), byLang, countsOf(parts.map((p) => p.route)), countsOf(parts.map((p) => p.frame))]
    }),
    { align: ["left", "right", "left", "left", "left"] }
  )
