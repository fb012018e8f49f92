/**
 * A source's state in words, for the console. Pure.
 * - never fetched: no refresh has run yet;
 * - ok: the last refresh succeeded (200 or 304);
 * - failing: the last one or two refreshes failed (retried at twice, then four times the interval);
 * - backing off: three or more failed in a row: retried at 8× the interval and more, at most daily.
 */
import type { Source } from "../domain/source";

export type Health = "never" | "ok" | "failing" | "backing_off";

export const HEALTH_WORDS: Readonly<Record<Health, string>> = {
  never: "never fetched",
  ok: "ok",
  failing: "failing",
  backing_off: "backing off",
};

export const BACKING_OFF_AFTER = 3;

export function healthOf(source: Pick<Source, "last_fetch" | "consecutive_failures">): Health {
  if (source.last_fetch === undefined) return "never";
  if (source.consecutive_failures === 0) return "ok";
  return source.consecutive_failures >= BACKING_OFF_AFTER ? "backing_off" : "failing";
}

const FAILURE_WORDS: Readonly<Record<string, string>> = {
  blocked_url: "URL refused (private or not allowed)",
  timeout: "timed out",
  too_large: "document too large",
  network: "network error",
  redirect_loop: "redirect loop",
  too_many_redirects: "too many redirects",
  bad_redirect: "bad redirect",
  parse_error: "not a feed it could read",
  internal: "internal error",
};

const HTTP_WORDS: Readonly<Record<number, string>> = {
  200: "OK",
  304: "not modified",
  401: "unauthorized",
  403: "forbidden",
  404: "not found",
  410: "gone",
  429: "too many requests",
  500: "server error",
  502: "bad gateway",
  503: "unavailable",
  504: "gateway timeout",
};

/** `200 OK`, `404 not found`, `timed out`; "—" before the first refresh. */
export function statusWords(status: Source["last_status"]): string {
  if (status === undefined) return "—";
  if (typeof status === "number") return `${status} ${HTTP_WORDS[status] ?? (status >= 500 ? "server error" : status >= 400 ? "refused" : "")}`.trim();
  return FAILURE_WORDS[status] ?? status;
}
