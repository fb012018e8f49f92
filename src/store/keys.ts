/**
 * The KV key layout: the one place that knows how keys are spelled. One namespace, prefixes:
 *
 * | key                                   | value                         | metadata              |
 * |---------------------------------------|-------------------------------|-----------------------|
 * | `article:{id}`                        | the normalized Article (JSON) | —                     |
 * | `idx:{feedKey}:{invertedTime}:{id}`   | empty                         | IndexEntryMeta        |
 * | `tag:{type}:{slug}`                   | TagRecord (JSON)              | —                     |
 * | `seen:{sha256(webhook-id)}`           | the first answer (JSON)       | —  (expires in a day) |
 * | `taxonomy`                            | the Taxonomy document (JSON)  | —                     |
 * | `tagset:version`                      | {token, changed} (JSON)       | —                     |
 * | `tagset:snap:{token}`                 | every TagRecord (JSON array)  | — (expires in a day)  |
 * | `tagset:dir:{token}`                  | the directory document (JSON) | — (expires in a week) |
 * | `tagset:dir:last`                     | the last directory built      | — (expires in a week) |
 * | `fv:{feedKey}`                        | FeedVersion (JSON)            | —                     |
 * | `snap:{feedKey}:{variant}:{version}`  | a rendered feed body          | SnapshotMeta          |
 * | `source:{sourceId}`                   | Source: config + refresh state| SourceListMeta        |
 * | `repair:cursor`                       | RepairCursor (JSON)           | —                     |
 * | `resume:{sourceId}:{token}:{part}`    | Continuation (JSON)           | — (expires in 1 hour) |
 * | `blocks`                              | the admin block list (JSON)   | —                     |
 * | `idx:{feedKey}:!{id}`                 | empty (a deletion, RFC 6721)  | DeletionMeta (expires in 30 days) |
 * | `arc:{feedKey}:{n}`                   | StoredArchive: archive n (JSON)| —                    |
 * | `arcidx:{feedKey}`                    | ArchiveIndex: {count} (JSON)  | —                     |
 *
 * `feedKey` is `all` for the global feed and `t/{type}/{slug}` for a tag. One index key per
 * (feed, article) means concurrent writers never touch the same key: no read-modify-write of a
 * shared list, so no lost updates (DESIGN.md). `list({prefix: "idx:{feedKey}:"})` returns a
 * feed newest first, because `invertedTime` is `MAX_TIME - publishedMs`, zero-padded.
 *
 * `fv:{feedKey}` is the feed's version: rewritten (blind put, never read-modify-write) after every
 * change to the feed, so a reader finds the current rendered snapshot with two reads
 * (`fv:`, then `snap:`) and never lists or re-renders an unchanged feed.
 *
 * `taxonomy` is the readers' copy of the document the taxonomy's writer (a Durable Object,
 * store/taxonomy-writer.ts) holds and edits one edit at a time; it writes every result through
 * here. `article:` and `idx:` keys are written only by the article writers
 * (store/article-writer.ts), one write of an article at a time. A merge (store/merge.ts) retags
 * the moved articles through them and deletes `tag:{type}:{from}`.
 *
 * `source:{sourceId}` is one upstream feed (store/sources.ts). Its metadata carries when it is next
 * due, so the cron finds due sources with `list({prefix: "source:"})` alone (one operation per
 * 1000 sources) and reads only the records it will refresh.
 *
 * `repair:cursor` is where the index repair sweep (store/repair.ts) stopped: its phase (`index`:
 * walking `idx:` keys for debris; `articles`: walking `article:` keys for missing index keys), the
 * KV list cursor of the page it was on and the last key of that page it finished. Written by
 * `POST /api/admin/repair` only, at most once per call (two calls at once may repeat a page: the
 * sweep's fixes are idempotent).
 *
 * `arc:{feedKey}:{n}` is archive n (1 = oldest) of a feed (RFC 5005 §4): its articles, written
 * when sealed and rewritten only when one of them changes or leaves; `arcidx:{feedKey}` says how
 * many a feed has. Both are written by the archive sealer (store/archives.ts) only, from the
 * writers' ledgers (store/archive-ledger.ts), so an archive page is one read, whatever its depth.
 */
import { ARTICLE_ID_PATTERN } from "../domain/article";
import type { Tag } from "../domain/tag";

export const ALL_FEED = "all";

/** Milliseconds; 10^13 - 1 ms is in the year 2286, beyond any published date we accept. */
const MAX_TIME = 9_999_999_999_999;
const TIME_WIDTH = 13;

export type FeedKey = string;

export const tagFeedKey = (tag: Pick<Tag, "type" | "slug">): FeedKey => `t/${tag.type}/${tag.slug}`;

/** The tag of a tag feed's key (`tagFeedKey` backwards); undefined for `all`. */
export function tagOfFeedKey(feed: FeedKey): Pick<Tag, "type" | "slug"> | undefined {
  const m = /^t\/([^/]+)\/(.+)$/.exec(feed);
  return m?.[1] && m[2] ? { type: m[1], slug: m[2] } : undefined;
}

export const ARTICLE_PREFIX = "article:";
export const articleKey = (id: string): string => `${ARTICLE_PREFIX}${id}`;

/** The id in an `article:` key, or undefined when the key is not one. */
export function articleIdFromKey(key: string): string | undefined {
  if (!key.startsWith(ARTICLE_PREFIX)) return undefined;
  const id = key.slice(ARTICLE_PREFIX.length);
  return ARTICLE_ID_PATTERN.test(id) ? id : undefined;
}

export const invertTime = (ms: number): string =>
  String(MAX_TIME - Math.min(Math.max(Math.trunc(ms), 0), MAX_TIME)).padStart(TIME_WIDTH, "0");

export const INDEX_PREFIX = "idx:";
export const indexPrefix = (feed: FeedKey): string => `${INDEX_PREFIX}${feed}:`;

export const indexKey = (feed: FeedKey, publishedMs: number, id: string): string =>
  `${indexPrefix(feed)}${invertTime(publishedMs)}:${id}`;

/** The article id at the end of an index key of `feed`, or undefined for a foreign key. */
export function idFromIndexKey(feed: FeedKey, key: string): string | undefined {
  const prefix = indexPrefix(feed);
  if (!key.startsWith(prefix)) return undefined;
  const rest = key.slice(prefix.length);
  const colon = rest.indexOf(":");
  return colon === TIME_WIDTH ? rest.slice(colon + 1) : undefined;
}

/** The published time (unix ms) an index key of `feed` is sorted by, or undefined for a foreign key. */
export function publishedMsOfIndexKey(feed: FeedKey, key: string): number | undefined {
  const prefix = indexPrefix(feed);
  if (!key.startsWith(prefix) || key.charAt(prefix.length + TIME_WIDTH) !== ":") return undefined;
  const inverted = Number(key.slice(prefix.length, prefix.length + TIME_WIDTH));
  return Number.isInteger(inverted) ? MAX_TIME - inverted : undefined;
}

/** The feed and article id of any index key, or undefined for a key that is not one (as idFromIndexKey reads it). */
export function parseIndexKey(key: string): { feed: FeedKey; id: string } | undefined {
  const match = /^idx:([^:]+):\d{13}:(.+)$/.exec(key);
  const feed = match?.[1];
  const id = match?.[2];
  if (feed === undefined || id === undefined || !ARTICLE_ID_PATTERN.test(id) || idFromIndexKey(feed, key) !== id) return undefined;
  return { feed, id };
}

export const REPAIR_CURSOR_KEY = "repair:cursor";


/** A document being refreshed in parts (refresh/resume.ts): the items not yet processed. */
export const resumeKey = (sourceId: string, token: string, part: number): string => `resume:${sourceId}:${token}:${part}`;

export const TAG_PREFIX = "tag:";
export const tagKey = (tag: Pick<Tag, "type" | "slug">): string => `${TAG_PREFIX}${tag.type}:${tag.slug}`;

/** The tag set's version (bumped when a record is added, renamed or removed) and its snapshots. */
export const TAG_SET_VERSION_KEY = "tagset:version";
export const tagSetSnapshotKey = (token: string): string => `tagset:snap:${token}`;
export const directoryKey = (token: string): string => `tagset:dir:${token}`;
/** Not a token: tokens are UUIDs. */
export const LAST_DIRECTORY_KEY = "tagset:dir:last";

export const seenKey = (webhookIdHash: string): string => `seen:${webhookIdHash}`;

export const TAXONOMY_KEY = "taxonomy";

/** The admin block list (store/blocks.ts), written through by the taxonomy's writer. */
export const BLOCKS_KEY = "blocks";

export const feedVersionKey = (feed: FeedKey): string => `fv:${feed}`;

export const snapshotKey = (feed: FeedKey, variant: string, version: string): string =>
  `snap:${feed}:${variant}:${version}`;

/**
 * A recently deleted article of a feed (store/deletions.ts; RFC 6721 `at:deleted-entry`), among
 * the feed's index keys: `!` sorts before every digit, so the list of a feed's first page returns
 * its deletions first at no extra operation, and no reader takes it for an entry (no time).
 */
export const deletionKey = (feed: FeedKey, id: string): string => `${indexPrefix(feed)}!${id}`;

/** The article id of a deletion key of `feed`, or undefined for any other key. */
export function idFromDeletionKey(feed: FeedKey, key: string): string | undefined {
  const prefix = `${indexPrefix(feed)}!`;
  if (!key.startsWith(prefix)) return undefined;
  const id = key.slice(prefix.length);
  return ARTICLE_ID_PATTERN.test(id) ? id : undefined;
}
export const archiveKey = (feed: FeedKey, n: number): string => `arc:${feed}:${n}`;
export const archiveIndexKey = (feed: FeedKey): string => `arcidx:${feed}`;

export const SOURCE_PREFIX = "source:";
export const sourceKey = (id: string): string => `${SOURCE_PREFIX}${id}`;
