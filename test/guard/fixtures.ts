/** Small synthetic data and a tiny config for fast, deterministic guard tests. */
import { Schema } from "effect"
import { DEFAULT_TRAIN_CONFIG, TrainConfig } from "../../src/guard/config.ts"
import type { TrainRow } from "../../src/guard/train.ts"
import { Rng } from "../../src/runtime/rng.ts"

const SAFE_WORDS = "the a cat dog house garden python process tree river blue green happy write read book music kitchen".split(" ")
const TRIGGERS: ReadonlyArray<[string, "C1" | "C9" | "C2"]> = [
  ["murder", "C1"],
  ["stab", "C1"],
  ["vermin", "C9"],
  ["subhuman", "C9"],
  ["counterfeit", "C2"],
  ["launder", "C2"]
]

/** Rows whose label is decided by the presence of a trigger word (learnable by the guard). */
export const syntheticRows = (n: number, seed: number): Array<TrainRow> => {
  const rng = new Rng(seed)
  return Array.from({ length: n }, (_, i) => {
    const words = Array.from({ length: 4 + rng.int(8) }, () => SAFE_WORDS[rng.int(SAFE_WORDS.length)])
    const unsafe = rng.next() < 0.4
    const categories: Array<"C1" | "C9" | "C2"> = []
    if (unsafe) {
      const [w, c] = TRIGGERS[rng.int(TRIGGERS.length)]
      words.splice(rng.int(words.length + 1), 0, w)
      categories.push(c)
    }
    return { text: words.join(" "), lang: i % 2 ? "en" : "fr", unsafe, categories, source: rng.next() < 0.5 ? "s1" : "s2" }
  })
}

export const tinyConfig = (overrides: Partial<typeof DEFAULT_TRAIN_CONFIG> = {}): TrainConfig =>
  Schema.decodeUnknownSync(TrainConfig)({
    ...DEFAULT_TRAIN_CONFIG,
    features: { ...DEFAULT_TRAIN_CONFIG.features, buckets: 1 << 12, lexicon: false, pieces: false },
    model: { dim: 8, hidden: 8 },
    batchSize: 32,
    maxEpochs: 3,
    evalsPerEpoch: 1,
    patience: 2,
    learningRate: 1e-2,
    categoryLossWeight: 1,
    embeddingLearningRate: 5e-2,
    // The fixture rows hold no everyday text, so the "everyday" point has nothing to calibrate on.
    defaultOperatingPoint: "prior",
    ...overrides
  })
