/** What produced an artifact: enough to reproduce it. */
import { Schema } from "effect"

export const InputHash = Schema.Struct({ path: Schema.String, sha256: Schema.String })

export const RunManifest = Schema.Struct({
  kind: Schema.String,
  createdBy: Schema.String,
  seed: Schema.Int,
  config: Schema.Unknown,
  inputs: Schema.Array(InputHash),
  outputs: Schema.Array(InputHash),
  packages: Schema.Record({ key: Schema.String, value: Schema.String })
})
export type RunManifest = typeof RunManifest.Type
