/**
 * The tag directory: every tag that holds (or held) articles, grouped by type, with its feed
 * URLs and last change. Shared by `GET /`, `GET /tags/{type}`, `GET /api/tags` and `GET /opml`.
 * Past PAGE_TAGS tags `/` shows each type's count and first tags and `/tags/{type}` pages; past
 * DIRECTORY_FULL_LIMIT `/api/tags` pages; OPML stays complete.
 */
import type { Tag } from "../domain/tag";
import { getFeedVersions } from "../store/feed-versions";
import { tagFeedKey } from "../store/keys";
import { forgetNewestPublished, newestPublished } from "../store/tag-activity";
import { getDirectoryDocument, getLastDirectoryDocument, getTagSetToken, listTagRecords, putDirectoryDocument } from "../store/tags";
import { loadTaxonomy } from "../store/taxonomy";
import { findTag, tagTypeLabel } from "../tags/resolve";
import { BoundedLru } from "./bounded-lru";
import type { SiteUrls } from "./urls";

export interface DirectoryTag extends Tag {
  type_label: string;
  /** ISO 8601: when the tag's feed last changed, or null if never. */
  updated: string | null;
  /** ISO 8601 publication time of its newest article, null when it has none or it is not known yet. */
  newest: string | null;
  /** False while the directory has not read the newest date of the feed's current version (a later build will). */
  newest_known: boolean;
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
  groups: { type: string; label: string; tags: DocumentTag[] }[];
}

interface DocumentTag {
  type: string;
  name: string;
  slug: string;
  updated: string | null;
  newest: string | null;
  /** The feed version `newest` was read at: a later build with the same version reuses it. Absent when not read. */
  newestAt?: string;
}

const DIRECTORY_REFRESH_MS = 30 * 60 * 1000;
const NEWEST_LISTS_PER_BUILD = 100;

/** Up to this many tags `/api/tags` lists every tag in one answer; past it, it pages (`limit` at most this). */
export const DIRECTORY_FULL_LIMIT = 1000;
/**
 * Up to this many tags `/` lists every tag, and `/tags/{type}` shows this many a page. HTML is the
 * costly rendering (a date in the reader's zone and language and four links a tag: 500 tags took
 * 16-26 ms cold in the bench on a busy machine), so a cold page stays near 10 ms at this size;
 * once rendered it is kept (`renderDirectory`).
 */
export const PAGE_TAGS = 200;
/** Tags of each type `/` shows past PAGE_TAGS (the rest are a link away, on `/tags/{type}`). */
export const TYPE_PREVIEW = 50;

/** One collator for the isolate: constructing one costs more than the comparisons it makes. */
const collator = new Intl.Collator(["ru", "kk", "en"]);

let memo: { token: string; doc: DirectoryDocument } | undefined;

/** One type of the directory: its label and how many tags it has. */
export interface DirectoryType {
  type: string;
  label: string;
  count: number;
}

/**
 * What a directory rendering reads: the types with their counts, and tags (with this request's
 * URLs) built only for the slice it asks for, so a page of 50 tags at 5,000 tags maps 50.
 */
export interface DirectoryView {
  /** Every tag, all types. */
  total: number;
  types: DirectoryType[];
  /** One type's tags `[from, to)`, or undefined for a type without tags. */
  group(type: string, from?: number, to?: number): DirectoryGroup | undefined;
  /** Every group with its tags `[0, perType)` each (all of them when omitted). */
  groups(perType?: number): DirectoryGroup[];
  /** Tags in directory order (types in order, names sorted), of one type or all, `[offset, offset + limit)`. */
  slice(type: string | undefined, offset: number, limit: number): DirectoryTag[];
}

export interface RenderedDirectory {
  /** 200, or what the rendering said (a page past the last is a 404). */
  status: 200 | 404;
  /** UTF-8, encoded once per rendering. */
  body: Uint8Array<ArrayBuffer>;
  /** Strong ETag of the body: the document's identity and the rendering's key, no hashing of the body. */
  etag: string;
  /** unix ms: when the document was built. */
  lastModified: number;
}

/**
 * A directory rendering (`variant` names it and everything it depends on besides the document and
 * origin: "api" with its query, "opml", a page with its language and paging), kept in this isolate:
 * a warm request costs one KV read (the tag set's version), no rendering, no encoding, no hashing.
 */
export async function renderDirectory(
  kv: KVNamespace,
  urls: SiteUrls,
  variant: string,
  render: (view: DirectoryView) => string | { body: string; status: 404 } | Promise<string | { body: string; status: 404 }>,
): Promise<RenderedDirectory> {
  const { token, doc } = await directoryDocument(kv);
  const key = `${token}\n${doc.builtAt}\n${urls.origin}\n${variant}`;
  const hit = renderedDirectories.get(key);
  if (hit !== undefined) return hit;
  const result = await render(directoryView(doc, urls));
  const [text, status] = typeof result === "string" ? [result, 200 as const] : [result.body, result.status];
  // The body is a function of the key (same code): its hash names it as well as the body's would.
  // TextEncoder always answers a fresh, ArrayBuffer-backed array (Encoding standard §9.1).
  const body = encoder.encode(text) as Uint8Array<ArrayBuffer>;
  const rendered: RenderedDirectory = { status, body, etag: `"dir-${fnv1a(key)}-${doc.builtAt.toString(36)}"`, lastModified: doc.builtAt };
  // A 404 is not kept: any type name can be asked for, and must not push the real pages out.
  if (status === 200) renderedDirectories.set(key, rendered);
  return rendered;
}

const encoder = new TextEncoder();
const renderedDirectories = new BoundedLru<RenderedDirectory>(64, 32 * 1024 * 1024, (r) => r.body.byteLength);

/** 64-bit FNV-1a of a short string, as two 32-bit halves in base 36 (not for bodies: for keys). */
function fnv1a(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return `${(a >>> 0).toString(36)}${(b >>> 0).toString(36)}`;
}

/** Forgets what this isolate keeps of the directory (benchmarks measure a cold isolate with it). */
export function forgetDirectoryIsolateState(): void {
  memo = undefined;
  renderedDirectories.clear();
  forgetNewestPublished();
}

function directoryView(doc: DirectoryDocument, urls: SiteUrls): DirectoryView {
  const toTag = (label: string) => (tag: DocumentTag): DirectoryTag => ({
    type: tag.type,
    name: tag.name,
    slug: tag.slug,
    type_label: label,
    updated: tag.updated,
    newest: tag.newest ?? null,
    // A feed that never changed never held an article: its null is known.
    newest_known: tag.newestAt !== undefined || tag.updated === null,
    page: urls.tagPage(tag),
    feeds: urls.feeds(tag),
  });
  const groupOf = (group: DirectoryDocument["groups"][number], from = 0, to = group.tags.length): DirectoryGroup => ({
    type: group.type,
    label: group.label,
    tags: group.tags.slice(from, to).map(toTag(group.label)),
  });
  return {
    total: doc.groups.reduce((sum, g) => sum + g.tags.length, 0),
    types: doc.groups.map((g) => ({ type: g.type, label: g.label, count: g.tags.length })),
    group(type, from, to) {
      const group = doc.groups.find((g) => g.type === type);
      return group === undefined ? undefined : groupOf(group, from, to);
    },
    groups: (perType) => doc.groups.map((g) => groupOf(g, 0, perType)),
    slice(type, offset, limit) {
      const out: DirectoryTag[] = [];
      let skip = offset;
      for (const group of doc.groups) {
        if (out.length >= limit) break;
        if (type !== undefined && group.type !== type) continue;
        if (skip >= group.tags.length) {
          skip -= group.tags.length;
          continue;
        }
        out.push(...group.tags.slice(skip, skip + limit - out.length).map(toTag(group.label)));
        skip = 0;
      }
      return out;
    },
  };
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
  // The newest dates of the last build carry over (by feed version): a build lists at most
  // NEWEST_LISTS_PER_BUILD feeds, so a fresh isolate would otherwise lose the dates of the rest.
  const previous = stored ?? memo?.doc ?? parseDirectory(await getLastDirectoryDocument(kv));
  const doc = await buildDirectory(kv, now, previous);
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

async function buildDirectory(kv: KVNamespace, nowMs: number, previous: DirectoryDocument | undefined): Promise<DirectoryDocument> {
  const [records, { index }] = await Promise.all([listTagRecords(kv), loadTaxonomy(kv)]);
  const versions = await getFeedVersions(kv, records.map(tagFeedKey));
  const carried = new Map<string, DocumentTag>();
  for (const group of previous?.groups ?? []) for (const tag of group.tags) if (tag.newestAt !== undefined) carried.set(tagFeedKey(tag), tag);
  // Each tag's newest article date: carried over when its feed's version is the one it was read at,
  // else one list per tag (at most NEWEST_LISTS_PER_BUILD a build: tags past it show no date until a later build).
  const toRead: { feed: ReturnType<typeof tagFeedKey>; token: string | undefined }[] = [];
  for (const record of records) {
    const feed = tagFeedKey(record);
    const token = versions.get(feed)?.token;
    if (token === undefined || carried.get(feed)?.newestAt !== token) toRead.push({ feed, token });
  }
  const newest = await newestPublished(kv, toRead, NEWEST_LISTS_PER_BUILD);
  const groups = new Map<string, DirectoryDocument["groups"][number]>();
  for (const record of records) {
    const group = groups.get(record.type) ?? { type: record.type, label: tagTypeLabel(index, record.type), tags: [] };
    const feed = tagFeedKey(record);
    const version = versions.get(feed);
    const earlier = carried.get(feed);
    const read = newest.get(feed);
    let newestDate: Pick<DocumentTag, "newest" | "newestAt"> = { newest: null };
    if (earlier !== undefined && earlier.newestAt === version?.token) newestDate = { newest: earlier.newest, newestAt: earlier.newestAt };
    else if (read !== undefined) newestDate = { newest: isoOrNull(read), ...(version !== undefined && { newestAt: version.token }) };
    group.tags.push({
      type: record.type,
      // The taxonomy's canonical name wins over the spelling the record was first written with.
      name: findTag(index, record.type, record.slug)?.tag.name ?? record.name,
      slug: record.slug,
      updated: version?.changed === undefined ? null : new Date(version.changed).toISOString(),
      ...newestDate,
    });
    groups.set(record.type, group);
  }
  for (const group of groups.values()) group.tags.sort((a, b) => collator.compare(a.name, b.name));
  return { builtAt: nowMs, groups: [...groups.values()] };
}

const isoOrNull = (ms: number | null | undefined): string | null => (ms === undefined || ms === null ? null : new Date(ms).toISOString());
