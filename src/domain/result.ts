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

/** `articles[2]` + ["tags", 0, "name"] → `articles[2].tags[0].name`. */
export function joinPath(prefix: string, segments: readonly PropertyKey[]): string {
  let path = prefix;
  for (const segment of segments) {
    if (typeof segment === "number") path += `[${segment}]`;
    else path += path === "" ? String(segment) : `.${String(segment)}`;
  }
  return path;
}

/**
 * A zod issue as a field error. A missing field reads "is required"; telling it from a wrong type
 * needs the issue's input, which zod reports only when parsed with `{ reportInput: true }`
 * (PARSE_REPORTING), as every caller does.
 */
export function toFieldError(prefix: string, issue: { code: string; path: readonly PropertyKey[]; message: string; input?: unknown }): FieldError {
  const reason = issue.code === "invalid_type" && issue.input === undefined ? "is required" : issue.message;
  return { path: joinPath(prefix, issue.path), reason };
}

/** The parse option that makes `toFieldError` tell a missing field from a wrong type. */
export const PARSE_REPORTING = { reportInput: true } as const;
