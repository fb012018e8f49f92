/**
 * What the directory and the console show about a tag's articles, read from the tag's index keys
 * alone (their names carry the published time, store/keys.ts): no article is read, and nothing is
 * ever written for it, so counting costs no write per article.
 *
 * KV operations:
 *   newestPublished: 1 list (limit 1) per tag whose feed version changed since this isolate last
 *                    looked (memo keyed by the version token), at most `maxLists` per call
 *   tagActivity:     1 list per tag (its newest 1000 index keys)
 */
import { BoundedLru } from "../feeds/bounded-lru";
import { type FeedKey, indexPrefix, publishedMsOfIndexKey } from "./keys";

const memo = new BoundedLru<{ newest: number | null }>(5000, 1_000_000, () => 100);

/** Forgets the newest dates this isolate read (tests and benchmarks of a fresh isolate). */
export const forgetNewestPublished = (): void => memo.clear();

/**
 * The published time of each feed's newest article. `token` is the feed's current version: a
 * memo entry for the same token is still right (any change to the feed bumps it). Feeds past
 * `maxLists` uncached ones are left out of the answer (the caller shows no date for them).
 */
export async function newestPublished(
  kv: KVNamespace,
  feeds: readonly { feed: FeedKey; token: string | undefined }[],
  maxLists: number,
): Promise<Map<FeedKey, number | null>> {
  const found = new Map<FeedKey, number | null>();
  const misses: { feed: FeedKey; token: string }[] = [];
  for (const { feed, token } of feeds) {
    if (token === undefined) {
      found.set(feed, null); // never changed: it never held an article
      continue;
    }
    const hit = memo.get(`${feed}\n${token}`);
    if (hit) found.set(feed, hit.newest);
    else if (misses.length < maxLists) misses.push({ feed, token });
  }
  await Promise.all(
    misses.map(async ({ feed, token }) => {
      const page = await kv.list({ prefix: indexPrefix(feed), limit: 1 });
      const first = page.keys[0];
      const newest = first === undefined ? null : (publishedMsOfIndexKey(feed, first.name) ?? null);
      memo.set(`${feed}\n${token}`, { newest });
      found.set(feed, newest);
    }),
  );
  return found;
}

export interface TagActivity {
  /** Index entries counted, at most `cap`; `capped` when there are more. */
  count: number;
  capped: boolean;
  /** Published time of the newest article (unix ms), or null. */
  newest: number | null;
  /** Articles published per UTC day, oldest first, the last entry being `todayMs`'s day. */
  daily: number[];
}

const DAY_MS = 86_400_000;
const LIST_PAGE = 1000;

/** Count, newest and a per-day histogram of one tag's feed, from one list of its newest keys. */
export async function tagActivity(kv: KVNamespace, feed: FeedKey, options: { nowMs: number; days: number }): Promise<TagActivity> {
  const page = await kv.list({ prefix: indexPrefix(feed), limit: LIST_PAGE });
  const times = page.keys.map((k) => publishedMsOfIndexKey(feed, k.name)).filter((ms): ms is number => ms !== undefined);
  return { count: times.length, capped: !page.list_complete, newest: times[0] ?? null, daily: dailyCounts(times, options.nowMs, options.days) };
}

/** Times bucketed into the last `days` UTC days up to `nowMs`'s (pure). */
export function dailyCounts(times: readonly number[], nowMs: number, days: number): number[] {
  const today = Math.floor(nowMs / DAY_MS);
  const counts = new Array<number>(days).fill(0);
  for (const ms of times) {
    const slot = days - 1 - (today - Math.floor(ms / DAY_MS));
    if (slot >= 0 && slot < days) counts[slot] = (counts[slot] ?? 0) + 1;
  }
  return counts;
}
