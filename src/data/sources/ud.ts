/**
 * Universal Dependencies sentences: one native, human-written sentence a line, all safe
 * (false-positive control). benign/ud/ holds dev files in fr, de, es, it, nl, pt;
 * benign/ud-train/ train files of 24 treebanks in 19 languages. One source per file
 * because the licenses differ.
 */
import { Schema } from "effect"
import type { Lang } from "../../../schemas/index.ts"
import { readLines } from "./read.ts"
import { loadFile, type SourceAdapter } from "./source.ts"

const Row = Schema.Struct({ text: Schema.String })

const udFile = (name: string, file: string, lang: Lang, license: string): SourceAdapter => ({
  name,
  license,
  files: [file],
  labelRule: "every sentence → safe",
  load: (shared) => loadFile(shared, file, readLines, Row, (r) => [{ text: r.text, lang, unsafe: false, categories: [] }])
})

const ud = (lang: Lang, treebank: string, license: string): SourceAdapter =>
  udFile(`ud-${lang}`, `benign/ud/${lang}_${treebank}-ud-dev.txt`, lang, license)

/** benign/ud-train/<lang>_<treebank>.txt (README table: treebank, license). */
const udTrain = (lang: Lang, treebank: string, license: string): SourceAdapter =>
  udFile(`ud-train-${lang}_${treebank}`, `benign/ud-train/${lang}_${treebank}.txt`, lang, license)


export const udSources: ReadonlyArray<SourceAdapter> = [
  ud("de", "gsd", "CC-BY-SA-4.0"),
  ud("es", "gsd", "CC-BY-SA-4.0"),
  ud("fr", "gsd", "CC-BY-SA-4.0"),
  ud("it", "isdt", "CC-BY-NC-SA-3.0"),
  ud("nl", "alpino", "CC-BY-SA-4.0"),
  ud("pt", "bosque", "CC-BY-SA-4.0")
]

export const udTrainSources: ReadonlyArray<SourceAdapter> = [
  udTrain("cs", "cltt", "CC-BY-SA-4.0"),
  udTrain("el", "gdt", "CC-BY-NC-SA-3.0"),
  udTrain("en", "lines", "CC-BY-NC-SA-4.0"),
  udTrain("en", "partut", "CC-BY-NC-SA-4.0"),
  udTrain("fr", "parisstories", "CC-BY-SA-4.0"),
  udTrain("fr", "partut", "CC-BY-NC-SA-4.0"),
  udTrain("fr", "sequoia", "LGPL-LR"),
  udTrain("hu", "szeged", "CC-BY-NC-SA-3.0"),
  udTrain("id", "csui", "CC-BY-SA-4.0"),
  udTrain("id", "gsd", "CC-BY-NC-SA-3.0"),
  udTrain("it", "partut", "CC-BY-NC-SA-4.0"),
  udTrain("it", "postwita", "CC-BY-NC-SA-4.0"),
  udTrain("ja", "gsd", "CC-BY-NC-SA-3.0"),
  udTrain("ko", "gsd", "CC-BY-SA-4.0"),
  udTrain("nl", "lassysmall", "CC-BY-SA-4.0"),
  udTrain("no", "nynorsklia", "CC-BY-SA-4.0"),
  udTrain("ro", "rrt", "CC-BY-SA-4.0"),
  udTrain("sv", "lines", "CC-BY-NC-SA-4.0"),
  udTrain("ta", "ttb", "CC-BY-NC-SA-3.0"),
  udTrain("th", "tud", "CC-BY-SA-4.0"),
  udTrain("tr", "imst", "CC-BY-NC-SA-4.0"),
  udTrain("uk", "parlamint", "CC-BY-SA-4.0"),
  udTrain("vi", "vtb", "CC-BY-SA-4.0"),
  udTrain("zh", "gsd", "CC-BY-NC-SA-4.0")
]
