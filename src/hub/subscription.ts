/**
 * tagfeed's own WebSub hub, the pure part: what a subscriber request says (W3C WebSub §5.1), which
 * of our feeds a topic is, leases, the retry schedule and the signature of a delivery (§8).
 */
import { type FieldError, type Result, err, ok } from "../domain/result";
import { checkSourceUrl } from "../refresh/url-safety";
import { ALL_FEED, type FeedKey, tagFeedKey } from "../store/keys";

/** Leases (§5.1 `hub.lease_seconds`): the hub decides, within these bounds, and says what it granted (§5.3). */
export const LEASE_DEFAULT_SECONDS = 7 * 24 * 3600;
export const LEASE_MIN_SECONDS = 3600;
export const LEASE_MAX_SECONDS = 30 * 24 * 3600;
/** §5.1: a secret of fewer than 200 bytes. */
export const SECRET_MAX_BYTES = 199;

/** Deliveries that failed (network, non-2xx) are tried again after these delays, then given up. */
export const RETRY_DELAYS_SECONDS = [30, 120, 600, 3600] as const;

export interface SubscriberRequest {
  mode: "subscribe" | "unsubscribe";
  topic: string;
  callback: string;
  /** The feeds whose every change may change the topic: one, or each tag of a combination. */
  feeds: FeedKey[];
  leaseSeconds: number;
  secret: string | undefined;
}

const TAG = "[a-z0-9][a-z0-9_-]*/[^/+.?#]+";
const TOPIC_PATH = new RegExp(`^/feeds/(all|${TAG}(?:\\+${TAG}){0,2})\\.(rss|atom|json)$`);

/**
 * The feeds a topic URL of this site stands for, or why it is not one. Only a feed's first page
 * is a topic (a `?limit`/`?after` view is not distributed); that it exists under this very
 * spelling (not an alias, not a non-canonical order) the route checks by reading it.
 */
export function topicFeeds(topic: string, origin: string): Result<FeedKey[], string> {
  let url: URL;
  try {
    url = new URL(topic);
  } catch {
    return err("is not a URL");
  }
  if (url.origin !== new URL(origin).origin) return err(`is not a feed of this site (${origin})`);
  if (url.search !== "" || url.hash !== "") return err("must be a feed's URL without a query (its first page)");
  const m = TOPIC_PATH.exec(url.pathname);
  if (!m?.[1]) return err("is not a feed URL (/feeds/all.rss, /feeds/{type}/{slug}.atom, /feeds/{type}/{slug}+{type}/{slug}.json, …)");
  if (m[1] === "all") return ok([ALL_FEED]);
  return ok(
    m[1].split("+").map((part) => {
      const [type = "", slug = ""] = part.split("/");
      return tagFeedKey({ type, slug: decodeURIComponent(slug) });
    }),
  );
}

/** §5.1 form fields → a request, or every field that is wrong. `origin`: this site's. */
export function parseSubscriberRequest(
  form: URLSearchParams,
  options: { origin: string; allowPrivate: boolean },
): Result<SubscriberRequest, FieldError[]> {
  const errors: FieldError[] = [];
  const mode = form.get("hub.mode");
  if (mode !== "subscribe" && mode !== "unsubscribe") errors.push({ path: "hub.mode", reason: 'must be "subscribe" or "unsubscribe"' });
  const topic = form.get("hub.topic") ?? "";
  let feeds: FeedKey[] = [];
  if (topic === "") errors.push({ path: "hub.topic", reason: "is required" });
  else {
    const found = topicFeeds(topic, options.origin);
    if (found.ok) feeds = found.value;
    else errors.push({ path: "hub.topic", reason: found.error });
  }
  const callback = form.get("hub.callback") ?? "";
  if (callback === "") errors.push({ path: "hub.callback", reason: "is required" });
  else {
    // The same rules as sources: the hub fetches callbacks as the refresh fetches upstreams.
    const safe = checkSourceUrl(callback, { allowPrivate: options.allowPrivate });
    if (!safe.ok) errors.push({ path: "hub.callback", reason: safe.error.message });
  }
  const rawLease = form.get("hub.lease_seconds");
  let leaseSeconds = LEASE_DEFAULT_SECONDS;
  if (rawLease !== null && rawLease !== "") {
    if (!/^\d{1,10}$/.test(rawLease)) errors.push({ path: "hub.lease_seconds", reason: "must be a whole number of seconds" });
    else leaseSeconds = clampLease(Number(rawLease));
  }
  const secret = form.get("hub.secret") ?? undefined;
  if (secret !== undefined && new TextEncoder().encode(secret).length > SECRET_MAX_BYTES) {
    errors.push({ path: "hub.secret", reason: `must be fewer than 200 bytes` });
  }
  if (secret === "") errors.push({ path: "hub.secret", reason: "must not be empty when given" });
  if (errors.length > 0 || (mode !== "subscribe" && mode !== "unsubscribe")) return err(errors);
  return ok({ mode, topic, callback, feeds, leaseSeconds, secret });
}

export const clampLease = (seconds: number): number => Math.min(LEASE_MAX_SECONDS, Math.max(LEASE_MIN_SECONDS, Math.trunc(seconds)));

/** A subscription's feeds are all among the changed ones: its topic may have changed (a combination changes only with each of its tags). */
export const touchedBy = (feeds: readonly FeedKey[], changed: ReadonlySet<FeedKey>): boolean => feeds.every((feed) => changed.has(feed));

/** §8: `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body, keyed by the subscriber's secret>`. */
export async function hubSignature(secret: string, body: Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, body));
  return `sha256=${Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** When a delivery that failed `attempts` times is tried next (unix ms), or null: given up. */
export function nextAttemptAt(attempts: number, nowMs: number): number | null {
  const delay = RETRY_DELAYS_SECONDS[attempts - 1];
  return delay === undefined ? null : nowMs + delay * 1000;
}
