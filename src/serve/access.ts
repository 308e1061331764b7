/**
 * Who may call the server: an optional API key (`Authorization: Bearer …`, as OpenAI's clients
 * send it), the body's declared type, and which browser origins may call it (CORS, off by
 * default). Each refusal is an ApiError in OpenAI's shape.
 */
import { createHash, timingSafeEqual } from "node:crypto"
import { ApiError } from "./errors.ts"

/** Paths that need the key when one is set; /healthz (for probes) and the playground stay open. */
export const KEYED_PATHS: ReadonlySet<string> = new Set(["/v1/moderations", "/metrics"])

const digest = (s: string) => createHash("sha256").update(s).digest()

/** A 401 unless `authorization` carries `key` (compared in constant time). */
export const checkApiKey = (key: string, authorization: string | undefined): ApiError | undefined => {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? "")
  if (m !== null && timingSafeEqual(digest(m[1]), digest(key))) return undefined
  return new ApiError({
    status: 401,
    code: "invalid_api_key",
    message:
      authorization === undefined
        ? "no API key: send it in an Authorization header (Authorization: Bearer YOUR_KEY)"
        : m === null
          ? "the Authorization header is not of the form Bearer YOUR_KEY"
          : "incorrect API key",
    param: null
  })
}

/** A 415 unless the body is declared as JSON (`application/json`, any parameters). */
export const checkContentType = (contentType: string | undefined): ApiError | undefined => {
  const media = (contentType ?? "").split(";")[0].trim().toLowerCase()
  if (media === "application/json") return undefined
  return new ApiError({
    status: 415,
    code: "unsupported_media_type",
    message: `the request body must be JSON with Content-Type: application/json; got ${
      contentType === undefined ? "no Content-Type" : JSON.stringify(contentType.slice(0, 60))
    }`,
    param: null
  })
}

/** The origin to allow for a request from `origin` under `allowed` (`*` = any), or undefined. */
export const allowedOrigin = (allowed: ReadonlyArray<string>, origin: string | undefined): string | undefined => {
  if (origin === undefined || allowed.length === 0) return undefined
  if (allowed.includes("*")) return "*"
  return allowed.includes(origin) ? origin : undefined
}

/** Headers for a CORS answer (both the preflight and the response itself). */
export const corsHeaders = (origin: string): Record<string, string> => ({
  "access-control-allow-origin": origin,
  ...(origin === "*" ? {} : { vary: "Origin" })
})

/** The extra headers of a preflight (OPTIONS) answer. */
export const PREFLIGHT_HEADERS: Readonly<Record<string, string>> = {
  "access-control-allow-methods": "GET, POST",
  "access-control-allow-headers": "authorization, content-type",
  "access-control-max-age": "600"
}
