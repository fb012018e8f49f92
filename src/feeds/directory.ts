/**
 * The tag directory: every tag that holds (or held) articles, grouped by type, with its feed
 * URLs and last change. Shared by `GET /`, `GET /api/tags` and `GET /opml`.
 */
import type { Tag } from "../domain/tag";
import { getFeedVersions } from "../store/feed-versions";
import { tagFeedKey } from "../store/keys";
import { newestPublished } from "../store/tag-activity";
import { getDirectoryDocument, getTagSetToken, listTagRecords, putDirectoryDocument } from "../store/tags";
import { loadTaxonomy } from "../store/taxonomy";
import { findTag, tagTypeLabel } from "../tags/resolve";
import { BoundedLru } from "./bounded-lru";
import type { SiteUrls } from "./urls";

export interface DirectoryTag extends Tag {
  type_label: string;
  /** ISO 8601: when the tag's feed last changed, or null if never. */
  updated: string | null;
  /** ISO 8601 publication time of its newest article, null when unknown. */
  newest: string | null;
  page: string;
  feeds: { rss: string; atom: string; json: string };
}

export interface DirectoryGroup {
  type: string;
  label: string;
  tags: DirectoryTag[];
}

/**
 * The directory as stored: one document per tag-set version (`tagset:dir:{token}`), sorted and
 * labelled, so a directory request costs two KV reads (the tag set's version, then this document)
 * and no sort; an isolate that read it keeps it, and then costs one read. Without URLs: those are
 * the request's (origin) and cost little to add. The per-tag `updated` dates are read from the
 * feeds' versions when it is built, so it is rebuilt when the tag set changes and otherwise at most
 * every DIRECTORY_REFRESH_MS (one KV write each time): a tag's date in the directory may lag its feed
 * by that much; the feeds themselves never do.
 */
interface DirectoryDocument {
  /** unix ms */
  builtAt: number;
  groups: { type: string; label: string; tags: { type: string; name: string; slug: string; updated: string | null; newest: string | null }[] }[];
}

const DIRECTORY_REFRESH_MS = 30 * 60 * 1000;
const NEWEST_LISTS_PER_BUILD = 100;

/** One collator for the isolate: constructing one costs more than the comparisons it makes. */
const collator = new Intl.Collator(["ru", "kk", "en"]);

let memo: { token: string; doc: DirectoryDocument } | undefined;

export async function loadDirectory(kv: KVNamespace, urls: SiteUrls, type?: string): Promise<DirectoryGroup[]> {
  return directoryGroups((await directoryDocument(kv)).doc, urls, type);
}

/**
 * A directory rendering (`variant` names it: "api", "opml", the page in one language), kept in this isolate per document,
 * origin and type: a warm request costs one KV read and no rendering.
 */
export async function renderDirectory(
  kv: KVNamespace,
  urls: SiteUrls,
  variant: string,
  render: (groups: DirectoryGroup[]) => string | Promise<string>,
  type?: string,
): Promise<string> {
  const { token, doc } = await directoryDocument(kv);
  const key = `${token}\n${doc.builtAt}\n${urls.origin}\n${variant}\n${type ?? ""}`;
  const hit = renderedDirectories.get(key);
  if (hit !== undefined) return hit;
  const body = await render(directoryGroups(doc, urls, type));
  renderedDirectories.set(key, body);
  return body;
}

const renderedDirectories = new BoundedLru<string>(20, 16 * 1024 * 1024, (body) => body.length * 2);

function directoryGroups(doc: DirectoryDocument, urls: SiteUrls, type: string | undefined): DirectoryGroup[] {
  const groups = type === undefined ? doc.groups : doc.groups.filter((g) => g.type === type);
  return groups.map((group) => ({
    type: group.type,
    label: group.label,
    tags: group.tags.map((tag) => ({
      type: tag.type,
      name: tag.name,
      slug: tag.slug,
      type_label: group.label,
      updated: tag.updated,
      newest: tag.newest ?? null,
      page: urls.tagPage(tag),
      feeds: urls.feeds(tag),
    })),
  }));
}

async function directoryDocument(kv: KVNamespace): Promise<{ token: string; doc: DirectoryDocument }> {
  const token = await getTagSetToken(kv);
  const now = Date.now();
  const fresh = (doc: DirectoryDocument | undefined): doc is DirectoryDocument => doc !== undefined && now - doc.builtAt < DIRECTORY_REFRESH_MS;
  if (memo?.token === token && fresh(memo.doc)) return memo;
  const stored = parseDirectory(await getDirectoryDocument(kv, token));
  if (fresh(stored)) {
    memo = { token, doc: stored };
    return memo;
  }
  const doc = await buildDirectory(kv, now);
  memo = { token, doc };
  // Several isolates may rebuild at once: KV's one write a second per key may refuse the later ones, harmlessly.
  await putDirectoryDocument(kv, token, JSON.stringify(doc)).catch((error: unknown) => console.error("directory document not saved", error));
  return memo;
}

function parseDirectory(text: string | null): DirectoryDocument | undefined {
  if (text === null) return undefined;
  try {
    const value = JSON.parse(text) as Partial<DirectoryDocument>;
    return typeof value.builtAt === "number" && Array.isArray(value.groups) ? (value as DirectoryDocument) : undefined;
  } catch {
    return undefined;
  }
}

async function buildDirectory(kv: KVNamespace, nowMs: number): Promise<DirectoryDocument> {
  const [records, { index }] = await Promise.all([listTagRecords(kv), loadTaxonomy(kv)]);
  const versions = await getFeedVersions(kv, records.map(tagFeedKey));
  // Each tag's newest article date: one list per tag whose feed changed since this isolate last
  // looked, at most NEWEST_LISTS_PER_BUILD per build (tags past it show no date until a later build).
  const newest = await newestPublished(kv, records.map((r) => ({ feed: tagFeedKey(r), token: versions.get(tagFeedKey(r))?.token })), NEWEST_LISTS_PER_BUILD);
  const groups = new Map<string, DirectoryDocument["groups"][number]>();
  for (const record of records) {
    const group = groups.get(record.type) ?? { type: record.type, label: tagTypeLabel(index, record.type), tags: [] };
    const changed = versions.get(tagFeedKey(record))?.changed;
    group.tags.push({
      type: record.type,
      // The taxonomy's canonical name wins over the spelling the record was first written with.
      name: findTag(index, record.type, record.slug)?.tag.name ?? record.name,
      slug: record.slug,
      updated: changed === undefined ? null : new Date(changed).toISOString(),
      newest: isoOrNull(newest.get(tagFeedKey(record))),
    });
    groups.set(record.type, group);
  }
  for (const group of groups.values()) group.tags.sort((a, b) => collator.compare(a.name, b.name));
  return { builtAt: nowMs, groups: [...groups.values()] };
}

const isoOrNull = (ms: number | null | undefined): string | null => (ms === undefined || ms === null ? null : new Date(ms).toISOString());
