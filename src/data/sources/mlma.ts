/**
 * MLMA (mlma/{en,fr,ar}_dataset.csv): multilingual hate tweets. `sentiment` is a set of
 * underscore-joined labels; as the datasets README rules, a row whose set contains "normal"
 * is safe, every other row (abusive, hateful, offensive, disrespectful, fearful) is unsafe.
 */
import { Effect, Schema } from "effect"
import type { Lang } from "../../../schemas/index.ts"
import { HOSTILE_CATEGORIES } from "../categorize.ts"
import { readDelimited } from "./read.ts"
import { loadFile, mergeOutputs, type SourceAdapter } from "./source.ts"

const LANGS: ReadonlyArray<Lang> = ["en", "fr", "ar"]
const FILES = LANGS.map((l) => `seed/mlma/${l}_dataset.csv`)
const KNOWN = new Set(["normal", "abusive", "hateful", "offensive", "disrespectful", "fearful"])
const Row = Schema.Struct({ tweet: Schema.String, sentiment: Schema.String })

export const mlma: SourceAdapter = {
  name: "mlma",
  license: "MIT",
  files: FILES,
  labelRule: 'sentiment contains "normal" → safe; otherwise (abusive, hateful, offensive, disrespectful, fearful) → unsafe C9',
  load: (shared) =>
    Effect.map(
      Effect.forEach(LANGS, (lang, i) =>
        loadFile(shared, FILES[i], (f) => readDelimited(f, { delimiter: ",", quote: '"' }), Row, (r) => {
          const labels = r.sentiment.trim().split("_")
          const unknown = labels.find((l) => !KNOWN.has(l))
          if (unknown !== undefined) return `sentiment: unknown label "${unknown}" in "${r.sentiment}"`
          const unsafe = !labels.includes("normal")
          return [{ text: r.tweet, lang, unsafe, categories: unsafe ? HOSTILE_CATEGORIES : [] }]
        })
      ),
      mergeOutputs
    )
}
