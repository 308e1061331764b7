/**
 * Node never calls the callback of `res.end(body, cb)` once the client has closed the
 * connection (measured on Node 20: neither on a response closed before `end` nor on one closed
 * while it is written). @effect/platform-node writes every answer that way and waits, in an
 * uninterruptible region, for that callback: a request whose client left at the wrong moment
 * then stays "in flight" forever, holding its fiber and memory. Measured with 30 clients that
 * send a large body and leave while it is classified: 2 requests stuck on a single process,
 * 10 with two cluster workers (where the primary may hand over a connection its client already
 * reset). Upstream fixed the same hang for HEAD responses only (Effect-TS/effect#6506).
 *
 * The fix here: before the platform sees a request, wrap its response's `end` so the callback
 * also runs when the response closes, or at once if it is closed already; whichever comes
 * first, once.
 */
import type * as http from "node:http"

const settleOnClose = (res: http.ServerResponse) => {
  const end = res.end
  res.end = function (this: http.ServerResponse, ...args: Array<unknown>) {
    const last = args[args.length - 1]
    if (typeof last === "function") {
      let settled = false
      const once = () => {
        if (settled) return
        settled = true
        res.off("close", once)
        ;(last as () => void)()
      }
      args[args.length - 1] = once
      if (res.closed || res.destroyed) process.nextTick(once)
      else res.once("close", once)
    }
    return (end as (...a: Array<unknown>) => http.ServerResponse).apply(this, args)
  } as typeof res.end
}

/** Install on a server before the platform adds its own request listener. */
export const settleClosedResponses = (server: http.Server): void => {
  server.prependListener("request", (_req: http.IncomingMessage, res: http.ServerResponse) => settleOnClose(res))
}
