/**
 * Stratified sampling by a key such as (lang, label, category). Two allocations:
 * - "proportional" (default): every stratum keeps its share of the sample (largest-remainder
 *   rounding), with an optional floor so rare strata (e.g. German self-harm) are not sampled away;
 * - "equal": every stratum gets the same quota, or all its rows if it has fewer, the rest going
 *   to the larger strata (water-filling) — each dataset gets an equal say, whatever its size.
 * Deterministic given the Rng.
 */
import type { Rng } from "../runtime/rng.ts"

export const stratifiedSample = <T>(
  rows: ReadonlyArray<T>,
  n: number,
  key: (row: T) => string,
  rng: Rng,
  opts: { readonly minPerStratum?: number; readonly allocation?: "proportional" | "equal" } = {}
): Array<T> => {
  if (n >= rows.length) return rng.shuffle([...rows])
  const strata = new Map<string, Array<T>>()
  for (const r of rows) {
    const k = key(r)
    let s = strata.get(k)
    if (!s) strata.set(k, (s = []))
    s.push(r)
  }
  // Sorted keys: the result must not depend on input order of strata.
  const keys = [...strata.keys()].sort()
  const quotas =
    opts.allocation === "equal"
      ? equalQuotas(keys.map((k) => [k, strata.get(k)!.length] as const), n)
      : proportionalQuotas(keys, strata, rows.length, n, opts.minPerStratum ?? 0)
  const out: Array<T> = []
  for (const k of keys) {
    const pool = rng.child(k).shuffle([...strata.get(k)!])
    out.push(...pool.slice(0, quotas.get(k)!))
  }
  return rng.shuffle(out)
}

/** Equal quotas, capped by stratum size; what small strata cannot take goes to the others. */
const equalQuotas = (sizes: ReadonlyArray<readonly [string, number]>, n: number): Map<string, number> => {
  const quotas = new Map<string, number>()
  // Smallest first: each takes min(size, a fair share of what is left).
  const bySize = [...sizes].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))
  let left = n
  bySize.forEach(([k, size], i) => {
    const q = Math.min(size, Math.floor(left / (bySize.length - i)))
    quotas.set(k, q)
    left -= q
  })
  // Rounding leftovers (fewer than the number of strata): one more each, in key order.
  for (const [k, size] of sizes) {
    if (left === 0) break
    if (quotas.get(k)! < size) {
      quotas.set(k, quotas.get(k)! + 1)
      left--
    }
  }
  return quotas
}

const proportionalQuotas = <T>(
  keys: ReadonlyArray<string>,
  strata: ReadonlyMap<string, ReadonlyArray<T>>,
  total: number,
  n: number,
  floor: number
): Map<string, number> => {
  const quotas = new Map<string, number>()
  let assigned = 0
  const remainders: Array<[string, number]> = []
  for (const k of keys) {
    const size = strata.get(k)!.length
    const exact = (n * size) / total
    const q = Math.min(size, Math.max(Math.floor(exact), Math.min(floor, size)))
    quotas.set(k, q)
    assigned += q
    remainders.push([k, exact - Math.floor(exact)])
  }
  // Floors can overshoot n: take the excess back from the largest quotas (never below a floor
  // unless the floors alone exceed n), so the sample has exactly min(n, rows) rows.
  while (assigned > n) {
    const byQuota = keys.filter((k) => quotas.get(k)! > 0).sort((a, b) => quotas.get(b)! - quotas.get(a)! || (a < b ? -1 : 1))
    const k = byQuota.find((x) => quotas.get(x)! > Math.min(floor, strata.get(x)!.length)) ?? byQuota[0]
    quotas.set(k, quotas.get(k)! - 1)
    assigned--
  }
  remainders.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
  for (let i = 0; assigned < n && i < remainders.length * 2; i++) {
    const k = remainders[i % remainders.length][0]
    if (quotas.get(k)! < strata.get(k)!.length) {
      quotas.set(k, quotas.get(k)! + 1)
      assigned++
    }
  }
  return quotas
}
