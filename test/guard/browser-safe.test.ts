/**
 * The inference path must run in a browser: the modules it needs (and everything they import
 * from this repository) may not import Node built-ins.
 */
import { describe, expect, it } from "vitest"
import * as fs from "node:fs"
import * as path from "node:path"
import { builtinModules } from "node:module"

const repoRoot = path.resolve(import.meta.dirname, "../..")
const ENTRY = [
  "src/guard/canonicalize.ts",
  "src/guard/features.ts",
  "src/guard/lexicon.ts",
  "src/guard/pieces.ts",
  "src/guard/model.ts",
  "src/guard/format.ts",
  "src/guard/verdict.ts",
  "src/serve/playground/score.ts"
]
const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)])

const importsOf = (file: string): Array<string> => {
  const src = fs.readFileSync(file, "utf8")
  return [...src.matchAll(/^\s*(?:import|export)\s[^"']*?from\s+["']([^"']+)["']|^\s*import\s+["']([^"']+)["']/gm)].map(
    (m) => m[1] ?? m[2]
  )
}

describe("browser-safe inference modules", () => {
  it("import no Node built-ins, directly or through local imports", () => {
    const seen = new Set<string>()
    const offending: Array<string> = []
    const visit = (rel: string) => {
      if (seen.has(rel)) return
      seen.add(rel)
      for (const spec of importsOf(path.join(repoRoot, rel))) {
        if (builtins.has(spec)) offending.push(`${rel} imports ${spec}`)
        else if (spec.startsWith(".")) visit(path.relative(repoRoot, path.resolve(repoRoot, path.dirname(rel), spec)))
      }
    }
    ENTRY.forEach(visit)
    expect(seen.size).toBeGreaterThanOrEqual(ENTRY.length)
    expect(offending).toEqual([])
  })
})
