/**
 * Errors at the edge: routes throw ApiError; `onError` turns every error into one JSON shape:
 *   {"error": {"status": 400, "code": "invalid_fields", "message": "...", "fields": [{"path", "reason"}]}}
 * Anything unexpected is logged and answered 500 without internals.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { FieldError } from "../domain/result";
import { StorageUnavailable } from "../store/guard";

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly fields?: readonly FieldError[],
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export const invalidFields = (fields: readonly FieldError[]): ApiError =>
  new ApiError(400, "invalid_fields", `${fields.length} invalid field${fields.length === 1 ? "" : "s"}; nothing was stored`, fields);

export function errorBody(status: number, code: string, message: string, fields?: readonly FieldError[]) {
  return { error: { status, code, message, ...(fields && fields.length > 0 && { fields }) } };
}

export function handleError(error: Error, c: Context): Response {
  if (error instanceof ApiError) {
    return c.json(errorBody(error.status, error.code, error.message, error.fields), error.status, error.headers);
  }
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode;
    return c.json(errorBody(status, "http_error", error.message || "request refused"), status);
  }
  if (error instanceof StorageUnavailable) {
    console.error("storage unavailable", error.operation, error.cause);
    return c.json(errorBody(503, "storage_unavailable", "storage is briefly unavailable; nothing was half-stored; retry shortly"), 503, {
      "Retry-After": "5",
    });
  }
  console.error("unhandled error", c.req.method, new URL(c.req.url).pathname, error);
  return c.json(errorBody(500, "internal_error", "something went wrong on our side; it has been logged"), 500);
}
