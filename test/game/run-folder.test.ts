/**
 * The run-folder reader on the committed fixture run (test/fixtures/run, a real tiny run): the
 * numbers it derives agree with each other the way the game wrote them, the policy shift matches
 * an independent forward pass, and broken folders fail with the file named.
 */
import { describe, expect, it } from "vitest"
import { Effect, Either } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import {
  choiceShares, f1Deltas, filterReasons, foolingRates, foolRateByChoice, HEAD_NAMES, policyShift, programParts,
  sampleProposals, syntheticLanguageMix, topFoolingPrograms
} from "../../src/game/run-analysis.ts"
import { ITER, iterDir, openRunFolder, RUN, type RunFile, type RunFolder } from "../../src/game/run-folder.ts"
import { BackendLive } from "../../src/runtime/backend.ts"
import { Rng } from "../../src/runtime/rng.ts"
import { tempDir } from "../support/temp-dir.ts"

const fixture = path.resolve(import.meta.dirname, "../fixtures/run")
const open = (dir: string) => Effect.runPromise(Effect.either(openRunFolder(dir)))
const openOk = async (dir: string): Promise<RunFolder> => {
  const r = await open(dir)
  if (Either.isLeft(r)) throw new Error(r.left.message)
  return r.right
}
const failure = async (dir: string): Promise<string> => {
  const r = await open(dir)
  if (Either.isRight(r)) throw new Error(`${dir} opened, expected a failure`)
  return r.left.message
}

const tmp = tempDir("run-folder")
/** A copy of the fixture to break. */
const copy = (name: string) => {
  const dir = path.join(tmp, name)
  fs.cpSync(fixture, dir, { recursive: true })
  return dir
}

describe("the layout's readers and writers", () => {
  /** Read a file through its Schema, write it elsewhere, compare the bytes. */
  const roundTrip = async <A, E>(file: RunFile<A, E>, from: string) => {
    const to = tempDir("round-trip")
    await Effect.runPromise(Effect.flatMap(file.read(from), (value) => file.write(to, value)))
    expect(fs.readFileSync(file.at(to)).equals(fs.readFileSync(file.at(from))), file.at(from)).toBe(true)
  }

  it("write back the bytes they read, for every file of the fixture run", async () => {
    await roundTrip(RUN.manifest, fixture)
    for (const f of [ITER.policy, ITER.table1] as ReadonlyArray<RunFile<unknown, unknown>>) await roundTrip(f, iterDir(fixture, 0))
    for (const t of [1, 2]) {
      const files = [ITER.seeds, ITER.candidates, ITER.judged, ITER.synthetic, ITER.filter, ITER.dpo, ITER.fooling, ITER.policy, ITER.table1]
      for (const f of files as ReadonlyArray<RunFile<unknown, unknown>>) await roundTrip(f, iterDir(fixture, t))
    }
  })

  it("write back the bytes they read, for the committed default run's reports", async () => {
    const run = path.resolve(import.meta.dirname, "../../reports/selfplay-default")
    await roundTrip(RUN.manifest, run)
    for (const f of [ITER.generalization, ITER.crosslingual, ITER.table1] as ReadonlyArray<RunFile<unknown, unknown>>) await roundTrip(f, iterDir(run, 0))
    for (const f of [ITER.filter, ITER.dpo, ITER.fooling] as ReadonlyArray<RunFile<unknown, unknown>>) await roundTrip(f, iterDir(run, 1))
  })

  it("keep a DPO step without pairs: NaN is written as null and read back as NaN", async () => {
    const dir = tempDir("no-pairs")
    const stats = { pairs: 0, lossFirstEpoch: Number.NaN, lossLastEpoch: Number.NaN, rewardAccuracy: Number.NaN }
    await Effect.runPromise(ITER.dpo.write(dir, stats))
    expect(JSON.parse(fs.readFileSync(ITER.dpo.at(dir), "utf8")).lossFirstEpoch).toBeNull()
    expect(await Effect.runPromise(ITER.dpo.read(dir))).toEqual(stats)
  })

  it("refuse to write a value that does not match the file's Schema", async () => {
    const dir = tempDir("bad-write")
    const bad = { guard: "iter-0", seeds: 1, reference: { policy: "r", proposals: 1, kept: 1, fooled: 1, rate: 2, ratePerKept: 1 } }
    const e = await Effect.runPromise(Effect.flip(ITER.fooling.write(dir, bad as never)))
    expect(e.message).toContain("fooling.json")
    expect(fs.existsSync(ITER.fooling.at(dir))).toBe(false)
  })
})

describe("openRunFolder on the fixture run", () => {
  it("reads the manifest and every finished iteration, consistent with how the game wrote them", async () => {
    const run = await openOk(fixture)
    expect(run.config.runId).toBe("nb-fixture")
    expect(run.played.map((p) => p.t)).toEqual([1, 2])
    for (const p of run.played) {
      // Every seed got proposalsPerSeed proposals; the filter's counts cover them all. (The seed
      // sample can exceed seedsPerIteration: stratifiedSample keeps ≥ 2 rows per stratum.)
      expect(p.seeds.length).toBeGreaterThanOrEqual(run.config.seedsPerIteration)
      expect(p.candidates.length).toBe(p.seeds.length * run.config.proposalsPerSeed)
      expect(new Set(p.candidates.map((c) => c.seed_id))).toEqual(new Set(p.seeds.map((s) => s.id)))
      expect(Object.values(p.filter).reduce((s, n) => s + n, 0)).toBe(p.candidates.length)
      // judged = kept candidates; synthetic = the judged ones that fooled the guard.
      const kept = p.candidates.filter((c) => c.dropped === "")
      expect(p.judged.map((j) => j.id)).toEqual(kept.map((c) => c.id))
      expect(p.filter.kept).toBe(kept.length)
      expect(p.synthetic.map((s) => s.id).sort()).toEqual(p.judged.filter((j) => j.fooled).map((j) => j.id).sort())
      expect(p.synthetic.every((s) => s.iteration === p.t && s.origin === "synthetic")).toBe(true)
    }
  })

  it("derives rates and shares that add up", async () => {
    const run = await openOk(fixture)
    for (const p of run.played) {
      for (const head of HEAD_NAMES) {
        const shares = choiceShares(run).filter((s) => s.iteration === p.t && s.head === head)
        expect(shares.reduce((s, x) => s + x.n, 0)).toBe(p.candidates.length)
        expect(shares.reduce((s, x) => s + x.share, 0)).toBeCloseTo(1, 9)
        const fooled = foolRateByChoice(run, [head]).filter((r) => r.iteration === p.t)
        expect(fooled.reduce((s, r) => s + r.fooled, 0)).toBe(p.synthetic.length)
        expect(fooled.reduce((s, r) => s + r.kept, 0)).toBe(p.judged.length)
      }
      const mix = syntheticLanguageMix(run).filter((s) => s.iteration === p.t)
      expect(mix.reduce((s, x) => s + x.n, 0)).toBe(p.synthetic.length)
      expect(filterReasons(run).filter((r) => r.iteration === p.t).reduce((s, r) => s + r.share, 0)).toBeCloseTo(1, 9)
      const rates = foolingRates(run).filter((r) => r.iteration === p.t)
      expect(rates).toHaveLength(4)
      for (const r of rates) expect(r.rate).toBeCloseTo(r.of > 0 ? r.fooled / r.of : 0, 12)
    }
    const deltas = f1Deltas(run)
    expect(deltas).toHaveLength(run.baseline.ours.cells.length)
    for (const d of deltas) expect(d.delta).toBeCloseTo(d.last - d.first, 9)
    const top = topFoolingPrograms(run, { minKept: 2, limit: 5 })
    expect(top.length).toBeGreaterThan(0)
    for (let i = 1; i < top.length; i++) expect(top[i - 1].rate).toBeGreaterThanOrEqual(top[i].rate)
  })

  it("names each head's choice by the same index in every proposal", async () => {
    const run = await openOk(fixture)
    const seen = new Map<string, string>()
    for (const c of run.played.flatMap((p) => p.candidates)) {
      const parts = programParts(c.program)
      ;[c.a_target, c.a_route, c.a_frame, c.a_surface].forEach((index, h) => {
        const key = `${h}/${index}`
        expect(seen.get(key) ?? parts[HEAD_NAMES[h]], key).toBe(parts[HEAD_NAMES[h]])
        seen.set(key, parts[HEAD_NAMES[h]])
      })
    }
    expect(() => programParts("not a program")).toThrow(/not a program/)
  })

  it("samples proposals deterministically, fooled and not fooled per iteration", async () => {
    const run = await openOk(fixture)
    const a = sampleProposals(run, 2, new Rng(3))
    expect(sampleProposals(run, 2, new Rng(3))).toEqual(a)
    for (const p of run.played) {
      for (const fooled of [true, false]) {
        const available = p.judged.filter((j) => j.fooled === fooled).length
        expect(a.filter((s) => s.iteration === p.t && s.fooled === fooled)).toHaveLength(Math.min(2, available))
      }
    }
    // Each sample sits next to the text of its own seed.
    const seedTexts = new Set(run.played.flatMap((p) => p.seeds.map((s) => s.text)))
    for (const s of a) expect(seedTexts.has(s.seed)).toBe(true)
  })
})

/** An independent forward pass of the policy MLP (relu hidden layer, softmax heads) in plain JS. */
const meanSoftmax = (weights: { tensors: Record<string, { shape: Array<number>; values: Array<number> }> }, x: Float32Array, n: number, dim: number, head: string) => {
  const w1 = weights.tensors["hidden/w"], b1 = weights.tensors["hidden/b"]
  const w2 = weights.tensors[`head/${head}/w`], b2 = weights.tensors[`head/${head}/b`]
  const hidden = w1.shape[1], size = w2.shape[1]
  const mean = new Array<number>(size).fill(0)
  for (let r = 0; r < n; r++) {
    const h = Array.from({ length: hidden }, (_, j) => {
      let s = b1.values[j]
      for (let i = 0; i < dim; i++) s += x[r * dim + i] * w1.values[i * hidden + j]
      return Math.max(0, s)
    })
    const logits = Array.from({ length: size }, (_, k) => h.reduce((s, hj, j) => s + hj * w2.values[j * size + k], b2.values[k]))
    const max = Math.max(...logits)
    const e = logits.map((l) => Math.exp(l - max))
    const z = e.reduce((s, v) => s + v, 0)
    e.forEach((v, k) => (mean[k] += v / z / n))
  }
  return mean
}

describe("policyShift", () => {
  it("gives each head's mean choice probabilities under π(t-1) and π(t), as a plain forward pass does", async () => {
    const { SEED_FEATURE_DIM, seedFeatureMatrix } = await import("../../src/generator/seed-features.ts")
    const run = await openOk(fixture)
    const rows = await Effect.runPromise(policyShift(run, 2).pipe(Effect.provide(BackendLive({ only: "cpu", log: () => {} }))))
    const seeds = run.played[1].seeds
    const x = seedFeatureMatrix(seeds)
    for (const [t, side] of [[1, "reference"], [2, "updated"]] as const) {
      const weights = JSON.parse(fs.readFileSync(ITER.policy.at(iterDir(fixture, t)), "utf8"))
      for (const head of HEAD_NAMES) {
        const mine = rows.filter((r) => r.head === head).sort((a, b) => a.index - b.index).map((r) => r[side])
        expect(mine.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5)
        const expected = meanSoftmax(weights, x, seeds.length, SEED_FEATURE_DIM, head)
        expect(mine).toHaveLength(expected.length)
        mine.forEach((p, k) => expect(p, `${head}[${k}] under ${side}`).toBeCloseTo(expected[k], 5))
      }
    }
    // The DPO step moved something, and choices are named from the proposals that used them.
    expect(rows.some((r) => Math.abs(r.updated - r.reference) > 1e-4)).toBe(true)
    expect(rows.filter((r) => r.head === "target").map((r) => r.name)).toEqual(["en", "fr", "de", "es"])
  })
})

describe("broken or unfinished run folders", () => {
  it("names a folder that does not exist", async () => {
    const dir = path.join(tmp, "no-such-run")
    expect(await failure(dir)).toContain(`${dir}: run folder does not exist`)
  })

  it("names the missing manifest", async () => {
    const dir = copy("no-manifest")
    fs.rmSync(RUN.manifest.at(dir))
    expect(await failure(dir)).toContain(`${RUN.manifest.at(dir)}: missing`)
  })

  it("names a missing file of a finished iteration", async () => {
    const dir = copy("no-judged")
    fs.rmSync(ITER.judged.at(iterDir(dir, 1)))
    expect(await failure(dir)).toContain(`${ITER.judged.at(iterDir(dir, 1))}: missing`)
  })

  it("names the file and field of a malformed JSON file", async () => {
    const dir = copy("bad-fooling")
    const file = ITER.fooling.at(iterDir(dir, 2))
    const json = JSON.parse(fs.readFileSync(file, "utf8"))
    json.updated.rate = "high"
    fs.writeFileSync(file, JSON.stringify(json))
    const message = await failure(dir)
    expect(message).toContain(file)
    expect(message).toContain("rate")
  })

  it("opens a run that has not finished all its iterations, showing the finished ones", async () => {
    const dir = copy("unfinished")
    fs.rmSync(ITER.table1.at(iterDir(dir, 2)))
    const run = await openOk(dir)
    expect(run.config.iterations).toBe(2)
    expect(run.played.map((p) => p.t)).toEqual([1])
  })
})
