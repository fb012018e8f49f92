/**
 * Tag records: one key per tag that has ever held an article, so the directory, `/api/tags`
 * and feed routing know which tags exist beyond the taxonomy. Written only when a tag is new
 * or its display name changed: never a read-modify-write of a shared list. A merge deletes the
 * record of the tag it emptied (its URL then redirects through the taxonomy).
 */
import * as z from "zod";
import { TagSchema, type Tag } from "../domain/tag";
import { bumpFeedVersions } from "./feed-versions";
import { TAG_PREFIX, tagFeedKey, tagKey } from "./keys";

export const TagRecordSchema = TagSchema.extend({ created: z.string() });
export type TagRecord = z.infer<typeof TagRecordSchema>;

/** Makes sure every tag has its record (the first spelling seen keeps it). Returns how many records were written. */
export async function ensureTagRecords(kv: KVNamespace, tags: readonly Tag[], nowIso: string): Promise<number> {
  const writes: Tag[] = [];
  // KV's bulk get takes at most 100 keys.
  for (let start = 0; start < tags.length; start += 100) {
    const chunk = tags.slice(start, start + 100);
    const existing = await kv.get(chunk.map(tagKey), "json");
    for (const tag of chunk) {
      const record = TagRecordSchema.safeParse(existing.get(tagKey(tag)));
      // Only a missing record is written: publishers spell a topic many ways ("Economy",
      // "economy"), and rewriting on every difference would flip the name and spend writes.
      // Taxonomy renames update the record themselves (renameTagRecord).
      if (!record.success) writes.push(tag);
    }
  }
  await Promise.all(
    writes.map((tag) => {
      const record: TagRecord = { type: tag.type, name: tag.name, slug: tag.slug, created: nowIso };
      return kv.put(tagKey(tag), JSON.stringify(record));
    }),
  );
  return writes.length;
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
  }
  await bumpFeedVersions(kv, [tagFeedKey(tag)], nowMs);
  return true;
}

export async function deleteTagRecord(kv: KVNamespace, tag: Pick<Tag, "type" | "slug">): Promise<void> {
  await kv.delete(tagKey(tag));
}

/** Every tag record (optionally of one type), sorted by type then slug. */
export async function listTagRecords(kv: KVNamespace, type?: string): Promise<TagRecord[]> {
  const prefix = type === undefined ? TAG_PREFIX : `${TAG_PREFIX}${type}:`;
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
