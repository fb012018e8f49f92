/**
 * The tag directory: every tag that holds (or held) articles, grouped by type, with its feed
 * URLs and last change. Shared by `GET /`, `GET /api/tags` and `GET /opml`.
 */
import type { Tag } from "../domain/tag";
import { getFeedVersions } from "../store/feed-versions";
import { tagFeedKey } from "../store/keys";
import { newestPublished } from "../store/tag-activity";
import { listTagRecords } from "../store/tags";
import { loadTaxonomy } from "../store/taxonomy";
import { findTag, tagTypeLabel } from "../tags/resolve";
import type { SiteUrls } from "./urls";

export interface DirectoryTag extends Tag {
  type_label: string;
  /** ISO 8601: when the tag's feed last changed, or null if never. */
  updated: string | null;
  /** With `newest` asked for (pages only): ISO 8601 publication time of its newest article, null when unknown. */
  newest?: string | null;
  page: string;
  feeds: { rss: string; atom: string; json: string };
}

export interface DirectoryGroup {
  type: string;
  label: string;
  tags: DirectoryTag[];
}

/** Tags whose newest date one directory request may look up (one KV list each) when not memoized. */
const NEWEST_LISTS_PER_REQUEST = 100;

export async function loadDirectory(kv: KVNamespace, urls: SiteUrls, type?: string, options: { newest?: boolean } = {}): Promise<DirectoryGroup[]> {
  const [records, { index }] = await Promise.all([listTagRecords(kv, type), loadTaxonomy(kv)]);
  const versions = await getFeedVersions(kv, records.map(tagFeedKey));
  const newest = options.newest
    ? await newestPublished(kv, records.map((r) => ({ feed: tagFeedKey(r), token: versions.get(tagFeedKey(r))?.token })), NEWEST_LISTS_PER_REQUEST)
    : new Map<string, number | null>();
  const groups = new Map<string, DirectoryGroup>();
  for (const record of records) {
    const label = tagTypeLabel(index, record.type);
    const group = groups.get(record.type) ?? { type: record.type, label, tags: [] };
    const changed = versions.get(tagFeedKey(record))?.changed;
    group.tags.push({
      type: record.type,
      // The taxonomy's canonical name wins over the spelling the record was first written with.
      name: findTag(index, record.type, record.slug)?.tag.name ?? record.name,
      slug: record.slug,
      type_label: label,
      updated: changed === undefined ? null : new Date(changed).toISOString(),
      ...(options.newest && { newest: isoOrNull(newest.get(tagFeedKey(record))) }),
      page: urls.tagPage(record),
      feeds: urls.feeds(record),
    });
    groups.set(record.type, group);
  }
  const collator = new Intl.Collator(["ru", "kk", "en"]);
  for (const group of groups.values()) group.tags.sort((a, b) => collator.compare(a.name, b.name));
  return [...groups.values()];
}

const isoOrNull = (ms: number | null | undefined): string | null => (ms === undefined || ms === null ? null : new Date(ms).toISOString());
