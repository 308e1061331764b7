/** A training example: one row of datasets/seed.parquet or of a self-play iteration's data. */
import { Schema } from "effect"
import { CategoryId } from "./taxonomy.ts"
import { Lang } from "./languages.ts"

export const Split = Schema.Literal("train", "validation")
export type Split = typeof Split.Type

export const Origin = Schema.Literal("seed", "synthetic")
export type Origin = typeof Origin.Type

const NonEmpty = Schema.String.pipe(Schema.minLength(1))

export const Example = Schema.Struct({
  /** Stable id: a hash of the source and the normalized text. */
  id: NonEmpty,
  text: NonEmpty,
  lang: Lang,
  unsafe: Schema.Boolean,
  /** Empty iff safe. */
  categories: Schema.Array(CategoryId),
  /** Dataset the row came from (see datasets/README.md), e.g. "davidson". */
  source: NonEmpty,
  /** License of the source, e.g. "MIT", "CC-BY-NC-4.0", "research-only". */
  license: NonEmpty,
  split: Split,
  origin: Origin,
  /** For synthetic rows: the id of the seed row it was rewritten from. */
  parent_id: Schema.NullOr(Schema.String),
  /** 0 for seed rows; t for rows produced in self-play iteration t. */
  iteration: Schema.Int.pipe(Schema.nonNegative())
}).pipe(
  Schema.filter((row) =>
    row.unsafe === (row.categories.length > 0) ||
    `unsafe=${row.unsafe} but categories=[${row.categories.join(",")}]: unsafe rows need ≥1 category, safe rows none`
  )
)
export type Example = typeof Example.Type
