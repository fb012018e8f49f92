/**
 * Tag records: one key per tag that has ever held an article, so the directory, `/api/tags`
 * and feed routing know which tags exist beyond the taxonomy. Written only when a tag is new
 * (or renamed by the taxonomy): never a read-modify-write of a shared list. A merge deletes the
 * record of the tag it emptied (its URL then redirects through the taxonomy).
 *
 * Listing them all takes a KV list (1000 a day on the free plan) and a bulk read per 100, so the
 * set is versioned like a feed: every change rewrites `tagset:version` (a blind write), and the
 * list is read once per version into `tagset:snap:{token}` and this isolate's memory. A directory
 * request then costs one read.
 */
import * as z from "zod";
import { TagSchema, type Tag } from "../domain/tag";
import { bumpFeedVersions } from "./feed-versions";
import { LAST_DIRECTORY_KEY, TAG_PREFIX, TAG_SET_VERSION_KEY, directoryKey, tagFeedKey, tagKey, tagSetSnapshotKey } from "./keys";

export const TagRecordSchema = TagSchema.extend({ created: z.string() });
export type TagRecord = z.infer<typeof TagRecordSchema>;

/** Makes sure every tag has its record (the first spelling seen keeps it). Returns how many records were written. */
export async function ensureTagRecords(kv: KVNamespace, tags: readonly Tag[], nowIso: string): Promise<number> {
  const missing = await missingTagRecords(kv, tags);
  await putTagRecords(kv, missing, nowIso);
  return missing.length;
}

/** The tags among `tags` without a record: ⌈tags/100⌉ bulk reads. */
export async function missingTagRecords(kv: KVNamespace, tags: readonly Tag[]): Promise<Tag[]> {
  const missing: Tag[] = [];
  // KV's bulk get takes at most 100 keys.
  for (let start = 0; start < tags.length; start += 100) {
    const chunk = tags.slice(start, start + 100);
    const existing = await kv.get(chunk.map(tagKey), "json");
    for (const tag of chunk) {
      const record = TagRecordSchema.safeParse(existing.get(tagKey(tag)));
      // Only a missing record is written: publishers spell a topic many ways ("Economy",
      // "economy"), and rewriting on every difference would flip the name and spend writes.
      // Taxonomy renames update the record themselves (renameTagRecord).
      if (!record.success) missing.push(tag);
    }
  }
  return missing;
}

/** Writes the records of tags found missing (one put each, and one tag-set bump when there is any). */
export async function putTagRecords(kv: KVNamespace, missing: readonly Tag[], nowIso: string): Promise<void> {
  await Promise.all(
    missing.map((tag) => {
      const record: TagRecord = { type: tag.type, name: tag.name, slug: tag.slug, created: nowIso };
      return kv.put(tagKey(tag), JSON.stringify(record));
    }),
  );
  if (missing.length > 0) await bumpTagSet(kv);
}

const TagSetVersionSchema = z.object({ token: z.string() });
const TAG_SET_SNAPSHOT_TTL_SECONDS = 24 * 3600;
let tagSetMemo: { token: string; records: TagRecord[] } | undefined;

/** After the records change: a fresh token, so the next listing reads them again. */
async function bumpTagSet(kv: KVNamespace): Promise<void> {
  tagSetMemo = undefined;
  await kv.put(TAG_SET_VERSION_KEY, JSON.stringify({ token: crypto.randomUUID() }));
}

export async function getTagRecord(kv: KVNamespace, type: string, slug: string): Promise<TagRecord | null> {
  const parsed = TagRecordSchema.safeParse(await kv.get(tagKey({ type, slug }), "json"));
  return parsed.success ? parsed.data : null;
}

/**
 * After the taxonomy renamed a tag (same slug, new display name): the record takes the new name
 * (the directory lists it so) and the tag's feed version is bumped, so its snapshot is rendered
 * again with the new title. Stored articles keep the name they were tagged with. Returns whether
 * a record existed; a tag without one has no articles and nothing rendered to refresh.
 */
export async function renameTagRecord(kv: KVNamespace, tag: Tag, nowMs: number): Promise<boolean> {
  const record = await getTagRecord(kv, tag.type, tag.slug);
  if (!record) return false;
  if (record.name !== tag.name) {
    const next: TagRecord = { ...record, name: tag.name };
    await kv.put(tagKey(tag), JSON.stringify(next));
    await bumpTagSet(kv);
  }
  await bumpFeedVersions(kv, [tagFeedKey(tag)], nowMs);
  return true;
}

export async function deleteTagRecord(kv: KVNamespace, tag: Pick<Tag, "type" | "slug">): Promise<void> {
  await kv.delete(tagKey(tag));
  await bumpTagSet(kv);
}

/** The tag set's current token ("none" before the first tag). One KV read. */
export async function getTagSetToken(kv: KVNamespace): Promise<string> {
  const version = TagSetVersionSchema.safeParse(await kv.get(TAG_SET_VERSION_KEY, "json"));
  return version.success ? version.data.token : "none";
}

const DIRECTORY_TTL_SECONDS = 7 * 24 * 3600;

/** The directory document built for a tag-set token (feeds/directory.ts owns its shape), or null. One KV read. */
export async function getDirectoryDocument(kv: KVNamespace, token: string): Promise<string | null> {
  return kv.get(directoryKey(token), "text");
}

/** The last directory document built, whatever its tag-set token (a build carries dates over from it), or null. One KV read. */
export async function getLastDirectoryDocument(kv: KVNamespace): Promise<string | null> {
  return kv.get(LAST_DIRECTORY_KEY, "text");
}

/** Two writes: the token's document, and the same as the last one built. */
export async function putDirectoryDocument(kv: KVNamespace, token: string, text: string): Promise<void> {
  await Promise.all([kv.put(directoryKey(token), text, { expirationTtl: DIRECTORY_TTL_SECONDS }), kv.put(LAST_DIRECTORY_KEY, text, { expirationTtl: DIRECTORY_TTL_SECONDS })]);
}

/** Every tag record (optionally of one type), sorted by type then slug. One KV read when the set has not changed. */
export async function listTagRecords(kv: KVNamespace, type?: string): Promise<TagRecord[]> {
  const token = await getTagSetToken(kv);
  let records: TagRecord[] | undefined = tagSetMemo?.token === token ? tagSetMemo.records : undefined;
  if (!records) {
    const snapshot = z.array(TagRecordSchema).safeParse(await kv.get(tagSetSnapshotKey(token), "json"));
    records = snapshot.success ? snapshot.data : await listAllTagRecords(kv);
    if (!snapshot.success) await kv.put(tagSetSnapshotKey(token), JSON.stringify(records), { expirationTtl: TAG_SET_SNAPSHOT_TTL_SECONDS });
    tagSetMemo = { token, records };
  }
  return type === undefined ? records : records.filter((r) => r.type === type);
}

async function listAllTagRecords(kv: KVNamespace): Promise<TagRecord[]> {
  const prefix = TAG_PREFIX;
  const keys: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await kv.list({ prefix, cursor });
    keys.push(...page.keys.map((k) => k.name));
    if (page.list_complete) break;
    cursor = page.cursor;
  }
  const records: TagRecord[] = [];
  for (let start = 0; start < keys.length; start += 100) {
    const values = await kv.get(keys.slice(start, start + 100), "json");
    for (const value of values.values()) {
      const parsed = TagRecordSchema.safeParse(value);
      if (parsed.success) records.push(parsed.data);
    }
  }
  return records.sort((a, b) => (a.type === b.type ? (a.slug < b.slug ? -1 : 1) : a.type < b.type ? -1 : 1));
}
