/**
 * Every answer the server gives to a request it will not serve, in OpenAI's error shape:
 * `{ "error": { "message", "type", "param", "code" } }`. Bad input is always a 4xx with a
 * message naming what is wrong and where (`input[3]`, the byte offset of bad UTF-8, ...).
 */
import { Data } from "effect"

export type ApiErrorCode =
  | "invalid_json"
  | "invalid_utf8"
  | "invalid_body"
  | "missing_parameter"
  | "invalid_type"
  | "empty_input"
  | "too_many_inputs"
  | "input_too_long"
  | "body_too_large"
  | "unknown_route"
  | "method_not_allowed"
  | "server_error"
  | "client_closed"
  | "overloaded"
  | "shutting_down"
  | "invalid_api_key"
  | "unsupported_media_type"

export class ApiError extends Data.TaggedError("ApiError")<{
  readonly status: number
  readonly code: ApiErrorCode
  readonly message: string
  /** The request field at fault (`input`, `input[2].content`), or null. */
  readonly param: string | null
}> {}

export const badRequest = (code: ApiErrorCode, message: string, param: string | null = null) =>
  new ApiError({ status: 400, code, message, param })

/** The JSON body of an error response. */
export const errorBody = (e: ApiError) => ({
  error: {
    message: e.message,
    type: e.status >= 500 ? "server_error" : "invalid_request_error",
    param: e.param,
    code: e.code
  }
})
