/**
 * Reading a request body with a size limit that still lets the client read our 413.
 *
 * The platform's own reader destroys the request stream when its limit is exceeded, which
 * resets the connection before any answer is written. Here an over-limit body declared by
 * Content-Length is refused before reading; an over-limit chunked body is read to its end and
 * discarded, then answered with 413. Past `discardLimit` reading stops and the 413 is sent at
 * once (with Connection: close); a client that is still writing may then see a reset instead.
 */
import type { HttpServerRequest } from "@effect/platform/HttpServerRequest"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { Effect } from "effect"
import { ApiError } from "./errors.ts"

export const tooLarge = (limit: number, got: string) =>
  new ApiError({
    status: 413,
    code: "body_too_large",
    message: `request body is ${got}; the limit is ${limit} bytes`,
    param: null
  })

/** The client went away mid-body; nobody will read this answer. 499 ("client closed request",
 * as nginx says) keeps it apart from bad input in the metrics. */
const clientClosed = (why: string) =>
  new ApiError({ status: 499, code: "client_closed", message: `the client left before sending its body: ${why}`, param: null })

export const readBody = (
  request: HttpServerRequest,
  limit: number,
  discardLimit = 16 * limit
): Effect.Effect<Uint8Array, ApiError> => {
  const declared = request.headers["content-length"]
  if (declared !== undefined && Number(declared) > limit) return Effect.fail(tooLarge(limit, `${declared} bytes`))
  const source = NodeHttpServerRequest.toIncomingMessage(request)
  if (source.readableEnded) return Effect.succeed(new Uint8Array(0))
  // The client may be gone before the handler runs (e.g. in a cluster worker, a connection the
  // primary handed over after its client reset it). Such a stream never emits `end` or `error`
  // again, so waiting for one would hold the request forever.
  if (source.destroyed) return Effect.fail(clientClosed("the connection closed"))
  return Effect.async<Uint8Array, ApiError>((resume) => {
    const chunks: Array<Buffer> = []
    let bytes = 0
    const onData = (chunk: Buffer) => {
      bytes += chunk.length
      if (bytes <= limit) chunks.push(chunk)
      else if (bytes > discardLimit) {
        // Stop reading: the 413 goes out with Connection: close and the socket ends after it.
        cleanup()
        source.pause()
        resume(Effect.fail(tooLarge(limit, `over ${discardLimit} bytes`)))
      }
    }
    const onEnd = () => {
      cleanup()
      resume(bytes > limit ? Effect.fail(tooLarge(limit, `${bytes} bytes`)) : Effect.succeed(Buffer.concat(chunks, bytes)))
    }
    const onError = (e: Error) => {
      cleanup()
      resume(Effect.fail(clientClosed(e.message)))
    }
    // `close` before `end`: the connection went without an error event.
    const onClose = () => onError(new Error("the connection closed"))
    const cleanup = () => {
      source.off("data", onData)
      source.off("end", onEnd)
      source.off("error", onError)
      source.off("close", onClose)
    }
    source.on("data", onData)
    source.on("end", onEnd)
    source.on("error", onError)
    source.on("close", onClose)
    return Effect.sync(cleanup)
  })
}
