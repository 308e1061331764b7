/**
 * A server's memory should stay flat under steady load. V8 lets the old generation grow to
 * about twice what survived the last full collection before collecting again; under load the
 * server's request objects (promoted while they wait for their batch) made RSS saw between
 * ~430 and ~550 MiB (29 % spread over 100k requests). Growing the old generation by 20 %
 * instead keeps it within ~2 % for a few percent more CPU (bench/serve.md has both runs).
 * Node refuses this V8 flag in NODE_OPTIONS, hence setting it from the process itself; V8
 * reads it at every heap-limit decision, so setting it before the first request is enough.
 */
import * as v8 from "node:v8"

export const HEAP_GROWING_PERCENT = 20

export const steadyHeap = (percent = HEAP_GROWING_PERCENT): void => {
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`)
}
