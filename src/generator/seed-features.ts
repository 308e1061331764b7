/**
 * What the policy sees of a seed example: language, label, categories, length, source and a
 * hashed bag of words. Small and dense — the policy chooses rewrite programs, it does not
 * read the text closely.
 */
import { CATEGORY_IDS, CORE_LANGUAGES, type Example } from "../../schemas/index.ts"
import { hash32 } from "../runtime/rng.ts"

const SOURCE_BUCKETS = 32
const WORD_BUCKETS = 256
const LENGTH_EDGES = [40, 80, 160, 320, 640] // characters

export const SEED_FEATURE_DIM = CORE_LANGUAGES.length + 1 + CATEGORY_IDS.length + LENGTH_EDGES.length + 1 + SOURCE_BUCKETS + WORD_BUCKETS

export type SeedLike = Pick<Example, "text" | "lang" | "unsafe" | "categories" | "source">

export const seedFeatures = (seed: SeedLike): Float32Array => {
  const v = new Float32Array(SEED_FEATURE_DIM)
  let o = 0
  // One slot per core language; another language (the game rewrites core-language seeds only) has none set.
  const core = (CORE_LANGUAGES as ReadonlyArray<string>).indexOf(seed.lang)
  if (core >= 0) v[o + core] = 1
  o += CORE_LANGUAGES.length
  v[o++] = seed.unsafe ? 1 : 0
  for (const c of seed.categories) v[o + CATEGORY_IDS.indexOf(c)] = 1
  o += CATEGORY_IDS.length
  const bucket = LENGTH_EDGES.findIndex((e) => seed.text.length < e)
  v[o + (bucket === -1 ? LENGTH_EDGES.length : bucket)] = 1
  o += LENGTH_EDGES.length + 1
  v[o + (hash32(seed.source) % SOURCE_BUCKETS)] = 1
  o += SOURCE_BUCKETS
  const words = seed.text.toLowerCase().normalize("NFKC").split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 1)
  if (words.length > 0) {
    const w = 1 / Math.sqrt(words.length)
    for (const word of words) v[o + (hash32(word) % WORD_BUCKETS)] += w
  }
  return v
}

/** Stack features of many seeds into one row-major buffer [n, SEED_FEATURE_DIM]. */
export const seedFeatureMatrix = (seeds: ReadonlyArray<SeedLike>): Float32Array => {
  const m = new Float32Array(seeds.length * SEED_FEATURE_DIM)
  seeds.forEach((s, i) => m.set(seedFeatures(s), i * SEED_FEATURE_DIM))
  return m
}
