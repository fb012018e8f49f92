/**
 * Feed versions and rendered snapshots: what keeps a feed read at two KV reads.
 *
 * After any change to a feed (an article added, changed or removed), its version key is
 * overwritten with a fresh token and the change time. A reader reads the version, then the
 * snapshot rendered for that version; only when there is none does it list and render.
 * The token is random, so concurrent bumps never need to read each other (no
 * read-modify-write), and whichever bump lands last names a state that includes every index
 * write made before it. KV allows about one write a second per key: a refused bump is retried
 * once and otherwise returned to the caller, which keeps it recorded until a later retry lands
 * (store/article-writer.ts); snapshots also expire, which bounds how stale a feed can get.
 */
import * as z from "zod";
import { type FeedKey, feedVersionKey, snapshotKey } from "./keys";

export const FeedVersionSchema = z.object({
  /** Random token naming this state of the feed. */
  token: z.string(),
  /** When the feed last changed (unix ms): the feed's Last-Modified. */
  changed: z.number(),
});
export type FeedVersion = z.infer<typeof FeedVersionSchema>;

/** A snapshot outlives its version by at most this long; old versions simply expire. */
const SNAPSHOT_TTL_SECONDS = 15 * 60;

/**
 * Bumps every feed's version (a refused put is retried once, a second later). Returns the feeds
 * whose bump failed twice: the caller keeps them recorded for a later retry (the writers'
 * alarms, store/article-writer.ts) — a feed left at its old version serves its old snapshot.
 */
export async function bumpFeedVersions(kv: KVNamespace, feeds: readonly FeedKey[], nowMs: number): Promise<FeedKey[]> {
  const token = `${nowMs.toString(36)}-${crypto.randomUUID().slice(0, 8)}`;
  const version: FeedVersion = { token, changed: nowMs };
  const value = JSON.stringify(version);
  const failed: FeedKey[] = [];
  await Promise.all(
    [...new Set(feeds)].map(async (feed) => {
      // Forget first: a reader in this isolate must not reuse the old version once this write lands.
      recentVersions.delete(feed);
      try {
        await kv.put(feedVersionKey(feed), value);
        rememberVersion(feed, version, Date.now());
      } catch (first) {
        await new Promise((resolve) => setTimeout(resolve, 1100));
        await kv.put(feedVersionKey(feed), value).catch((error: unknown) => {
          console.error("feed version bump failed twice; left for a retry", feed, first, error);
          failed.push(feed);
        });
      }
    }),
  );
  return failed;
}

/**
 * Versions read recently in this isolate. A feed read may reuse one for a few seconds instead of
 * reading `fv:` again (a change made elsewhere then shows a little later — KV itself takes up to a
 * minute to propagate); a bump made in this isolate replaces it at once.
 */
const recentVersions = new Map<FeedKey, { version: FeedVersion | null; readAt: number }>();
const RECENT_VERSIONS_MAX = 1000;

function rememberVersion(feed: FeedKey, version: FeedVersion | null, readAt: number): void {
  if (recentVersions.size >= RECENT_VERSIONS_MAX) recentVersions.clear();
  recentVersions.set(feed, { version, readAt });
}

export async function getFeedVersion(kv: KVNamespace, feed: FeedKey, options: { maxAgeMs?: number } = {}): Promise<FeedVersion | null> {
  const now = Date.now();
  const recent = recentVersions.get(feed);
  if (recent && now - recent.readAt < (options.maxAgeMs ?? 0)) return recent.version;
  const parsed = FeedVersionSchema.safeParse(await kv.get(feedVersionKey(feed), "json"));
  const version = parsed.success ? parsed.data : null;
  rememberVersion(feed, version, now);
  return version;
}

/** Versions of many feeds at once (100 a KV operation), for the directory. */
export async function getFeedVersions(kv: KVNamespace, feeds: readonly FeedKey[]): Promise<Map<FeedKey, FeedVersion>> {
  const found = new Map<FeedKey, FeedVersion>();
  for (let start = 0; start < feeds.length; start += 100) {
    const chunk = feeds.slice(start, start + 100);
    const values = await kv.get(chunk.map(feedVersionKey), "json");
    for (const feed of chunk) {
      const parsed = FeedVersionSchema.safeParse(values.get(feedVersionKey(feed)));
      if (parsed.success) found.set(feed, parsed.data);
    }
  }
  return found;
}

/**
 * A feed page's snapshot: the page's data as the feed layer serialized it (host-independent and
 * the same for every format, so one change costs at most one snapshot write).
 */
export async function getSnapshot(kv: KVNamespace, feed: FeedKey, variant: string, version: string): Promise<string | null> {
  return kv.get(snapshotKey(feed, variant, version), "text");
}

export async function putSnapshot(kv: KVNamespace, feed: FeedKey, variant: string, version: string, body: string): Promise<void> {
  await kv.put(snapshotKey(feed, variant, version), body, { expirationTtl: SNAPSHOT_TTL_SECONDS });
}
