/**
 * The Seed service: one root seed from which every random stream in a run derives.
 * A stage asks for a stream named after itself (and its iteration), so stages never
 * share or shift each other's randomness.
 */
import { Context, Effect, Layer, Random } from "effect"
import { hash32, Rng } from "./rng.ts"

export interface SeedService {
  readonly root: number
  /** A 32-bit seed derived from the root and a name (for tfjs initializers etc.). */
  readonly derive: (name: string) => number
  /** A fast synchronous generator for the named stream. */
  readonly rng: (name: string) => Rng
  /** Effect's Random service for the named stream (for `Effect.withRandom`). */
  readonly random: (name: string) => Random.Random
}

export class Seed extends Context.Tag("duoguard/Seed")<Seed, SeedService>() {}

export const makeSeed = (root: number): SeedService => {
  const derive = (name: string) => hash32(`${root}/${name}`)
  return {
    root,
    derive,
    rng: (name) => new Rng(derive(name)),
    random: (name) => Random.make(derive(name))
  }
}

export const SeedLive = (root: number): Layer.Layer<Seed> => Layer.succeed(Seed, makeSeed(root))

/** Run an effect with Effect's default Random replaced by the named seeded stream. */
export const withSeededRandom = (name: string) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R | Seed> =>
    Effect.flatMap(Seed, (s) => Effect.withRandom(self, s.random(name)))
