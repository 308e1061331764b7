/**
 * A number as JSON holds it. JSON.stringify writes NaN (an AUROC of one class, the loss of a
 * DPO step without pairs) as null; these Schemas read that null back as NaN and write NaN as
 * null again, so a file read and rewritten keeps its bytes. `stableJson` writes keys sorted.
 */
import { Schema } from "effect"

const nanAsNull = (finite: Schema.Schema<number>) =>
  Schema.transform(Schema.NullOr(finite), Schema.Number, {
    strict: true,
    decode: (n) => n ?? Number.NaN,
    encode: (n) => (Number.isNaN(n) ? null : n)
  })

export const JsonNumber = nanAsNull(Schema.Number)

/** A rate or share: within [0, 1], or NaN (nothing to divide by). */
export const JsonFraction = nanAsNull(Schema.Number.pipe(Schema.between(0, 1)))

/** JSON with sorted object keys: the same value always hashes the same. */
export const stableJson = (value: unknown): string =>
  JSON.stringify(value, (_k, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
      : v
  )
