/**
 * Expected failures are values, not exceptions: pure modules return a Result and the edge
 * (routes) maps the tagged reason to an HTTP answer in one place.
 */
export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const err = <E>(error: E): { ok: false; error: E } => ({ ok: false, error });

/** One invalid input field: a JSON path (`articles[2].tags[0].name`) and why it was refused. */
export interface FieldError {
  path: string;
  reason: string;
}
