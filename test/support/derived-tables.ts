/**
 * Vitest global setup: the tables derived from ../shared/datasets (datasets/*.parquet, not
 * committed) are built once before any test file runs, when that folder is there (as in CI);
 * a second run reuses them (src/data/cache.ts). Tests that read the real tables skip without it.
 */
import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { ensureDatasets } from "../../src/data/cache.ts"
import { ingestDefaults } from "../../src/data/ingest.ts"
import { ProgressLive } from "../../src/runtime/progress.ts"

export const SHARED_DATASETS = path.resolve(import.meta.dirname, "../../../shared/datasets")

export default async function setup(): Promise<void> {
  if (!fs.existsSync(SHARED_DATASETS)) return
  const t0 = Date.now()
  const config = ingestDefaults(SHARED_DATASETS, path.resolve(import.meta.dirname, "../../datasets"))
  const built = await Effect.runPromise(ensureDatasets(config).pipe(Effect.provide(ProgressLive)))
  if (built !== null) console.log(`derived tables built from the shared datasets in ${((Date.now() - t0) / 1000).toFixed(0)} s`)
}
