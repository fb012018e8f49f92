/**
 * Continuations: a document refreshed in parts keeps its not yet processed items in KV, so the next
 * part takes them up without fetching or parsing again. One key per part,
 * `resume:{sourceId}:{token}:{part}` (store/keys.ts), expiring after RESUME_TTL_SECONDS.
 *
 * - The queue consumer (queue.ts) names its parts by the message's claim token and carries the
 *   part number in the follow-up message.
 * - A refresh in the Worker's own invocation (the cron tick without a queue, a manual refresh)
 *   names its parts by a token drawn for the document, and records the pending part on the source
 *   (`resume {token, part, url, until}`, and `r` in the key's metadata, store/sources.ts): the tick
 *   sees from its list alone which sources are in the middle of a document, at no extra operation.
 *
 * A pending part is taken up only while its record says so: a deleted source (or one deleted and
 * added again, whose new record has no `resume`) never reads it, a refresh that saved the source
 * since (a manual one included) cleared or replaced it, and a fetch URL changed since voids it.
 * KV operations: writing a part 1 write; taking one up 1 read (2 for a later queued part, whose
 * items stay in the first part's record).
 */
import * as z from "zod";
import { fetchUrlOf, type Source } from "../domain/source";
import { resumeKey } from "../store/keys";
import type { Continuation } from "./refresh-source";

/** A part outlives the refresh that wrote it by this long at most (six 10-minute ticks). */
export const RESUME_TTL_SECONDS = 3600;

const ContinuationSchema = z.object({
  fetchedMs: z.number(),
  status: z.number().int(),
  etag: z.string().optional(),
  lastModified: z.string().optional(),
  finalUrl: z.string(),
  movedTo: z.string().optional(),
  language: z.string().optional(),
  itemsTotal: z.number().int(),
  sharedUrls: z.array(z.string()),
  // The items are the parser's own output, written by this module: checked for shape, not field by field.
  items: z.array(z.object({ authors: z.array(z.unknown()), categories: z.array(z.unknown()), enclosures: z.array(z.unknown()) }).passthrough()),
  fingerprints: z.array(z.string()),
  // Every count of RefreshCounts, so a document's parts add up to its whole.
  counts: z.object({
    created: z.number(),
    updated: z.number(),
    unchanged: z.number(),
    invalid: z.number(),
    deferred: z.number(),
    blocked: z.number().optional(),
    expired: z.number().optional(),
  }),
  requests: z.number().int(),
});

/** Where a stored continuation's items are: the record of `part`, which holds `total` of them. */
export interface StoredItems {
  part: number;
  total: number;
}

/** A part's record whose items are the end of an earlier part's: `skip` of that record's items are done. */
const ItemsInSchema = z.object({ part: z.number().int().positive().max(1000), skip: z.number().int().nonnegative() });

const StoredContinuationSchema = ContinuationSchema.extend({ itemsIn: ItemsInSchema.optional() });

/**
 * Stores what part `part` of a document takes up (read back by `readContinuation`). The first
 * continuation holds the items left; a later one, whose items are the end of that list (`items`:
 * where the list is), names the record and how many of its items are done, so a part writes its
 * fingerprints and counts, not the document's remaining items again (500 KB of JSON for the 190
 * items of a 5 MB feed: more CPU than the part's own items).
 */
export async function writeContinuation(kv: KVNamespace, id: string, token: string, part: number, continuation: Continuation, items?: StoredItems): Promise<void> {
  const value = items && items.part < part ? { ...continuation, items: [], itemsIn: { part: items.part, skip: items.total - continuation.items.length } } : continuation;
  await kv.put(resumeKey(id, token, part), JSON.stringify(value), { expirationTtl: RESUME_TTL_SECONDS });
}

/**
 * The stored continuation of a part and where its items are, or undefined when it (or the record
 * holding its items) expired: the refresh then fetches the document again.
 */
export async function readContinuation(kv: KVNamespace, id: string, token: string, part: number): Promise<{ continuation: Continuation; items: StoredItems } | undefined> {
  const parsed = StoredContinuationSchema.safeParse(await kv.get(resumeKey(id, token, part), "json"));
  if (!parsed.success) return undefined;
  const { itemsIn, ...record } = parsed.data;
  if (itemsIn === undefined) return { continuation: record as Continuation, items: { part, total: record.items.length } };
  if (itemsIn.part >= part) return undefined;
  const holder = ContinuationSchema.safeParse(await kv.get(resumeKey(id, token, itemsIn.part), "json"));
  if (!holder.success || itemsIn.skip > holder.data.items.length) return undefined;
  const items = holder.data.items.slice(itemsIn.skip) as Continuation["items"];
  return { continuation: { ...(record as Continuation), items }, items: { part: itemsIn.part, total: holder.data.items.length } };
}

/** Whether the source's record names a part to take up at `nowMs` (no I/O). */
export function hasPendingPart(source: Pick<Source, "resume" | "url" | "final_url">, nowMs: number): boolean {
  const resume = source.resume;
  return resume !== undefined && Date.parse(resume.until) > nowMs && resume.url === fetchUrlOf(source);
}

/** The part the source's record names, read (1 KV operation), or undefined when there is none to take up. */
export async function pendingContinuation(kv: KVNamespace, source: Source, nowMs: number): Promise<Continuation | undefined> {
  if (!source.resume || !hasPendingPart(source, nowMs)) return undefined;
  return (await readContinuation(kv, source.id, source.resume.token, source.resume.part))?.continuation;
}
