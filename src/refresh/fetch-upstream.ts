/**
 * One upstream fetch, with the limits an untrusted server needs. Outbound I/O through the
 * injected `fetch`; never throws: every outcome is a value.
 *
 * - Conditional GET (RFC 9110 §13.1): `If-None-Match` with the stored ETag, `If-Modified-Since`
 *   with the stored Last-Modified; `304` → `not_modified`.
 * - One deadline for the whole exchange (every redirect hop and the body), `timeout` past it.
 * - Body limit: refused by `Content-Length` before reading, and cut while streaming. The runtime
 *   decompresses gzip/br transparently, so the streamed count is of decompressed bytes: a gzip
 *   bomb is stopped at the limit, not after inflating.
 * - Redirects followed by hand (`redirect: "manual"`) at most `maxRedirects` times, each target
 *   checked by url-safety.ts before it is requested; a URL seen twice is a loop. When every hop
 *   of a chain that ends in success is permanent (301/308, RFC 9110 §15.4.2 and §15.4.9), the
 *   final URL is reported as `movedTo`, for the source to fetch from then on.
 * - `Retry-After` on a failure (429 and 503 send it) is returned as an absolute time.
 * - Every request counts against the caller's subrequest budget via `onRequest`.
 */
import { type LimitedRead, readLimited } from "../http/read-limited";
import type { RefreshFailureKind } from "../domain/source";
import { parseRetryAfter } from "./schedule";
import { checkSourceUrl } from "./url-safety";

export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
}

export const DEFAULT_FETCH_LIMITS: FetchLimits = {
  timeoutMs: 10_000,
  maxBytes: 5 * 1024 * 1024,
  maxRedirects: 5,
};

/** What feed readers send: the feed formats first, generic XML and JSON after, anything last. */
export const FEED_ACCEPT =
  "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, application/json;q=0.7, */*;q=0.1";

export interface FetchUpstreamOptions extends FetchLimits {
  fetch: (request: Request) => Promise<Response>;
  allowPrivate: boolean;
  userAgent: string;
  nowMs: number;
  etag?: string | undefined;
  lastModified?: string | undefined;
  onRequest?: () => void;
}

interface Common {
  /** The URL the outcome came from, after redirects. */
  finalUrl: string;
  /** Set when a chain of only permanent redirects ended in success: where the feed now lives. */
  movedTo?: string;
  /** HTTP requests made (1 + redirect hops). */
  requests: number;
}

export type FetchResult =
  | (Common & {
      kind: "fetched";
      status: number;
      body: Uint8Array;
      contentType: string | null;
      /**
       * The base URI of the body: its `Content-Location` (resolved against the URL fetched, kept
       * when http(s)), else the URL fetched (RFC 3986 §5.1.2: the base of the encapsulating entity).
       */
      baseUrl: string;
      etag?: string;
      lastModified?: string;
    })
  | (Common & { kind: "not_modified"; status: 304 })
  | (Common & {
      kind: "failed";
      /** The HTTP status that failed, or the kind of failure when no status decided it. */
      status: number | RefreshFailureKind;
      message: string;
      /** Absolute time (ms) a Retry-After asked for. */
      retryAtMs?: number;
    });

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const PERMANENT = new Set([301, 308]);

class DeadlineError extends Error {}

export async function fetchUpstream(startUrl: string, options: FetchUpstreamOptions): Promise<FetchResult> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  const deadline = new Promise<never>((_, reject) => {
    const fire = () => reject(new DeadlineError(`no complete answer within ${options.timeoutMs} ms`));
    if (signal.aborted) fire();
    else signal.addEventListener("abort", fire, { once: true });
  });
  deadline.catch(() => undefined); // observed by the races below; never unhandled

  let url = startUrl;
  let requests = 0;
  let permanent = true;
  let movedTo: string | undefined;
  const visited = new Set<string>();
  const failed = (status: number | RefreshFailureKind, message: string, retryAtMs?: number): FetchResult => ({
    kind: "failed",
    status,
    message,
    ...(retryAtMs !== undefined && { retryAtMs }),
    finalUrl: url,
    requests,
  });

  for (;;) {
    const safe = checkSourceUrl(url, { allowPrivate: options.allowPrivate });
    if (!safe.ok) return failed("blocked_url", `${requests > 0 ? "redirect target " : ""}${safe.error.message}`);
    url = safe.value.href;
    visited.add(url);

    const headers = new Headers({ "user-agent": options.userAgent, accept: FEED_ACCEPT });
    if (options.etag) headers.set("if-none-match", options.etag);
    if (options.lastModified) headers.set("if-modified-since", options.lastModified);

    let response: Response;
    try {
      requests += 1;
      options.onRequest?.();
      response = await Promise.race([options.fetch(new Request(url, { headers, redirect: "manual", signal })), deadline]);
    } catch (error) {
      if (error instanceof DeadlineError || signal.aborted) return failed("timeout", `timed out: no answer within ${options.timeoutMs} ms`);
      return failed("network", `could not connect: ${describe(error)}`);
    }

    if (REDIRECTS.has(response.status)) {
      await discard(response);
      const location = response.headers.get("location");
      if (location === null || location.trim() === "") return failed("bad_redirect", `${response.status} without a Location header`);
      let target: string;
      try {
        target = new URL(location.trim(), url).href;
      } catch {
        return failed("bad_redirect", `${response.status} to an invalid Location`);
      }
      if (visited.has(target)) return failed("redirect_loop", `redirect loop: ${target} was already visited`);
      if (requests > options.maxRedirects) return failed("too_many_redirects", `more than ${options.maxRedirects} redirects`);
      if (permanent && PERMANENT.has(response.status)) movedTo = target;
      else permanent = false;
      url = target;
      continue;
    }

    const moved = movedTo !== undefined && permanent ? { movedTo } : {};
    if (response.status === 304) {
      await discard(response);
      return { kind: "not_modified", status: 304, finalUrl: url, ...moved, requests };
    }
    if (response.status < 200 || response.status > 299) {
      await discard(response);
      const retryAtMs = parseRetryAfter(response.headers.get("retry-after"), options.nowMs);
      return failed(response.status, `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`, retryAtMs);
    }

    const body = await readBody(response, options.maxBytes, deadline);
    if (body === "too_large") return failed("too_large", `the body is larger than ${options.maxBytes} bytes`);
    if (body === "timeout") return failed("timeout", `timed out reading the body (over ${options.timeoutMs} ms)`);
    if (body instanceof Error) return failed("network", `the connection failed while reading the body: ${describe(body)}`);
    const etag = header(response, "etag", 512);
    const lastModified = header(response, "last-modified", 100);
    return {
      kind: "fetched",
      status: response.status,
      body,
      contentType: response.headers.get("content-type"),
      baseUrl: contentLocation(header(response, "content-location", 2048), url),
      ...(etag !== undefined && { etag }),
      ...(lastModified !== undefined && { lastModified }),
      finalUrl: url,
      ...moved,
      requests,
    };
  }
}

function contentLocation(value: string | undefined, url: string): string {
  if (value === undefined) return url;
  try {
    const resolved = new URL(value, url);
    return resolved.protocol === "http:" || resolved.protocol === "https:" ? resolved.href : url;
  } catch {
    return url;
  }
}

async function readBody(response: Response, maxBytes: number, deadline: Promise<never>): Promise<LimitedRead | "timeout" | Error> {
  try {
    return await readLimited(response, maxBytes, deadline);
  } catch (error) {
    return error instanceof DeadlineError ? "timeout" : error instanceof Error ? error : new Error(String(error));
  }
}

/** Releases a response body we do not read (a redirect, an error page). */
async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // nothing to release
  }
}

function header(response: Response, name: string, maxLength: number): string | undefined {
  const value = response.headers.get(name)?.trim();
  return value && value.length <= maxLength ? value : undefined;
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.slice(0, 200) || "unknown error";
}
