/**
 * A small, fast, seedable PRNG (sfc32) for hot loops (shuffles, sampling, init of weights),
 * where calling Effect's Random per element would dominate. Children are derived by name,
 * so adding a new random consumer never shifts another consumer's stream.
 */

/** murmur3's 32-bit finalizer: spreads every input bit over the output (unsigned result). */
export const fmix32 = (h: number): number => {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** 32-bit string hash (FNV-1a followed by fmix32): stable across platforms. */
export const hash32 = (s: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return fmix32(h)
}

export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(readonly seed: number) {
    this.a = hash32(`a:${seed}`)
    this.b = hash32(`b:${seed}`)
    this.c = hash32(`c:${seed}`)
    this.d = 1
    for (let i = 0; i < 12; i++) this.nextUint32()
  }

  /** A child generator whose stream depends only on this seed and the name. */
  child(name: string): Rng {
    return new Rng(hash32(`${this.seed}/${name}`))
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next()
    const v = this.next()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }

  /** Fisher–Yates, in place; returns the array. */
  shuffle<T>(xs: Array<T>): Array<T> {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const t = xs[i]
      xs[i] = xs[j]
      xs[j] = t
    }
    return xs
  }

  /** Index drawn from unnormalized non-negative weights. */
  categorical(weights: ArrayLike<number>): number {
    let total = 0
    for (let i = 0; i < weights.length; i++) total += weights[i]
    let r = this.next() * total
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]
      if (r < 0) return i
    }
    return weights.length - 1
  }
}
