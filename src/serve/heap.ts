/**
 * V8 settings for a server under steady load, set by `pipelines/serve.ts` at start (Node
 * refuses these flags in NODE_OPTIONS; V8 reads them at each collection, so setting them before
 * the first request is enough). Both measured with the load test (bench/serve.md):
 *
 * - `--heap-growing-percent=20`: V8 lets the old generation grow to about twice what survived
 *   the last full collection before collecting again; under load RSS sawed between ~430 and
 *   ~550 MiB (29 % spread over 100k requests). Growing by 20 % keeps it within ~2 %.
 * - `--no-allocation-site-pretenuring`: request objects that wait a few ms for their batch
 *   survive a scavenge now and then, which can lead V8 to allocate everything from those sites
 *   straight into the old generation (our reading, not traced), filling it and bringing a full
 *   collection (a 10–30 ms pause that stalls every request in flight) every couple of seconds. Off, the p99 latency at
 *   2,000 paced requests/s (short texts, 2 workers) fell from a median of 56 ms to 34 ms over
 *   six paired runs.
 */
import * as v8 from "node:v8"

export const HEAP_GROWING_PERCENT = 20

export const steadyHeap = (percent = HEAP_GROWING_PERCENT): void => {
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`)
  v8.setFlagsFromString("--no-allocation-site-pretenuring")
}
