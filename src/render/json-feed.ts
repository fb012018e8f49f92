/**
 * JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/) from a FeedDocument. Pure and
 * deterministic: equal documents give byte-identical output (keys in a fixed order, compact);
 * dates come from the document, never the clock; items keep the order given.
 *
 * - Every string passes `stripInvalidChars` (xml.ts) first: JSON.stringify would write a lone
 *   surrogate as `\udXXX`, valid JSON but not valid Unicode, and the formats should agree.
 * - 1.1 `authors` (arrays), never 1.0 `author`; item-level `language`.
 * - `id` is `urn:tagfeed:article:{id}` as in RSS and Atom; `url` is the article's own URL, else
 *   the service's page (docs/API.md), so `external_url` is not used.
 * - "content_html and content_text are each optional strings, but one or both must be present":
 *   an article with neither gets its summary (or "") as `content_text`.
 * - `tags` are display names (deduplicated); the typed tags, sources and section are in the
 *   `_tagfeed` extension object ("Publishers can use custom objects ... names must start with
 *   an underscore").
 * - RFC 5005 §4 archives have no JSON Feed field: the feed-level `_tagfeed` object carries them
 *   (`archive: true` on an archive; `current`, `prev_archive`, `next_archive` URLs), and an
 *   archive's `next_url` is its older archive, so a reader paging by `next_url` walks the history.
 */

import { type FeedDocument, type FeedItem, type FeedPerson, type ItemFragmentCache, cachedFragment, itemCacheKey } from "./feed-document";
import { feedUpdatedMs, itemFields, languageTag, safeUrl } from "./item-fields";
import { stripInvalidChars as clean, toRfc3339 } from "./xml";

export const JSON_FEED_CONTENT_TYPE = "application/feed+json; charset=utf-8";
export const JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1";

interface JsonAuthor {
  name: string;
  url?: string;
}

interface JsonAttachment {
  url: string;
  mime_type: string;
  size_in_bytes?: number;
}

interface JsonTagfeedExtension {
  section?: string;
  tags?: { type: string; slug: string; name: string; url: string }[];
  sources?: { name: string; url?: string }[];
}

interface JsonItem {
  id: string;
  url: string;
  title?: string;
  content_html?: string;
  content_text?: string;
  summary?: string;
  image?: string;
  date_published: string;
  date_modified?: string;
  authors?: JsonAuthor[];
  tags?: string[];
  language?: string;
  attachments?: JsonAttachment[];
  _tagfeed?: JsonTagfeedExtension;
}

export function renderJsonFeed(doc: FeedDocument, cache?: ItemFragmentCache): string {
  const links = doc.links;
  const fallbackMs = feedUpdatedMs(doc);
  const feed = {
    version: JSON_FEED_VERSION,
    title: clean(doc.title),
    home_page_url: clean(links.alternate),
    feed_url: clean(links.self.json),
    description: doc.description.trim() === "" ? undefined : clean(doc.description),
    next_url: links.next !== undefined ? clean(links.next.json) : links.archive === true && links.prevArchive !== undefined ? clean(links.prevArchive.json) : undefined,
    hubs: links.hubs === undefined || links.hubs.length === 0 ? undefined : links.hubs.map((url) => ({ type: "WebSub", url: clean(url) })),
    icon: doc.icon === undefined ? undefined : clean(doc.icon),
    favicon: doc.favicon === undefined ? undefined : clean(doc.favicon),
    authors: [author(doc.author)],
    language: languageTag(doc.language),
    _tagfeed: archiveExtension(links),
  };
  // Keys whose value is undefined are left out by JSON.stringify. Without a cache, one call over
  // the whole is fastest; with one, items are stringified one by one (JSON.stringify is
  // compositional, so the bytes are the same) and kept as fragments.
  if (cache === undefined) return JSON.stringify({ ...feed, items: doc.items.map((item) => renderItem(item, fallbackMs)) });
  const head = JSON.stringify(feed);
  const language = feed.language;
  const items = doc.items.map((item) =>
    cachedFragment(cache, () => itemCacheKey("json", item, fallbackMs, language), () => JSON.stringify(renderItem(item, fallbackMs))),
  );
  return head.slice(0, -1) + ',"items":[' + items.join(",") + "]}";
}

interface JsonArchiveExtension {
  archive?: true;
  current?: string;
  prev_archive?: string;
  next_archive?: string;
}

function archiveExtension(links: FeedDocument["links"]): JsonArchiveExtension | undefined {
  const ext: JsonArchiveExtension = {
    ...(links.archive === true && { archive: true as const }),
    ...(links.current !== undefined && { current: clean(links.current.json) }),
    ...(links.prevArchive !== undefined && { prev_archive: clean(links.prevArchive.json) }),
    ...(links.nextArchive !== undefined && { next_archive: clean(links.nextArchive.json) }),
  };
  return Object.keys(ext).length === 0 ? undefined : ext;
}

function author(p: FeedPerson): JsonAuthor {
  const url = safeUrl(p.url);
  return url === undefined ? { name: clean(p.name) } : { name: clean(p.name), url };
}

function renderItem(item: FeedItem, fallbackMs: number): JsonItem {
  const f = itemFields(item, fallbackMs);
  const a = item.article;
  const contentHtml = f.contentHtml === undefined ? undefined : clean(f.contentHtml);
  let contentText = f.contentText === undefined ? undefined : clean(f.contentText);
  const summary = f.summary === undefined ? undefined : clean(f.summary);
  if (contentHtml === undefined && contentText === undefined) contentText = summary ?? "";

  const tagNames: string[] = [];
  for (const c of f.categories) {
    const name = clean(c.tag.name);
    if (!tagNames.includes(name)) tagNames.push(name);
  }

  const ext: JsonTagfeedExtension = {};
  if (a.section !== undefined && a.section.trim() !== "") ext.section = clean(a.section);
  if (f.categories.length > 0) {
    ext.tags = f.categories.map((c) => ({
      type: clean(c.tag.type),
      slug: clean(c.tag.slug),
      name: clean(c.tag.name),
      url: clean(c.url),
    }));
  }
  if (f.sources.length > 0) {
    ext.sources = f.sources.map((s) => (s.url === undefined ? { name: s.name } : { name: s.name, url: s.url }));
  }

  return {
    id: f.id,
    url: clean(f.link),
    title: f.title === undefined ? undefined : clean(f.title),
    content_html: contentHtml,
    content_text: contentText,
    summary,
    image: f.image,
    date_published: toRfc3339(f.publishedMs),
    date_modified: f.modifiedMs === undefined ? undefined : toRfc3339(f.updatedMs),
    authors: f.authors.length === 0 ? undefined : f.authors.map(author),
    tags: tagNames.length === 0 ? undefined : tagNames,
    language: f.language,
    attachments:
      f.enclosures.length === 0
        ? undefined
        : f.enclosures.map((e) =>
            e.length === undefined
              ? { url: e.url, mime_type: e.type }
              : { url: e.url, mime_type: e.type, size_in_bytes: e.length },
          ),
    _tagfeed: ext.section === undefined && ext.tags === undefined && ext.sources === undefined ? undefined : ext,
  };
}
