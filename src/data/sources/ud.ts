/**
 * Universal Dependencies sentences (benign/ud/*.txt): one native, human-written sentence a
 * line in fr, de, es, it, nl, pt; all safe (false-positive control). One source per
 * language because the licenses differ (Italian ISDT is CC-BY-NC-SA-3.0).
 */
import { Schema } from "effect"
import type { Lang } from "../../../schemas/index.ts"
import { readLines } from "./read.ts"
import { loadFile, type SourceAdapter } from "./source.ts"

const Row = Schema.Struct({ text: Schema.String })

const ud = (lang: Lang, treebank: string, license: string): SourceAdapter => {
  const file = `benign/ud/${lang}_${treebank}-ud-dev.txt`
  return {
    name: `ud-${lang}`,
    license,
    files: [file],
    labelRule: "every sentence → safe",
    load: (shared) => loadFile(shared, file, readLines, Row, (r) => [{ text: r.text, lang, unsafe: false, categories: [] }])
  }
}

export const udSources: ReadonlyArray<SourceAdapter> = [
  ud("de", "gsd", "CC-BY-SA-4.0"),
  ud("es", "gsd", "CC-BY-SA-4.0"),
  ud("fr", "gsd", "CC-BY-SA-4.0"),
  ud("it", "isdt", "CC-BY-NC-SA-3.0"),
  ud("nl", "alpino", "CC-BY-SA-4.0"),
  ud("pt", "bosque", "CC-BY-SA-4.0")
]
