/**
 * The neutral feed model every renderer reads (rss2.ts, atom1.ts, json-feed.ts): plain data
 * built by the caller (routes), holding no functions, no clock and no request. One document
 * renders to all three formats, so every URL that differs by format is given per format.
 *
 * Identity (docs/API.md, "Feeds": stable id/guid): an item's id is `urn:tagfeed:article:{id}`
 * in every format (RSS `guid isPermaLink="false"`, Atom `id`, JSON Feed `id`). It depends only
 * on the article id, so it survives a changed article URL, another host name (local, staging,
 * production) and any re-render, and the same story is recognised across formats. The URL is
 * not used as the guid because publishers fix URLs, and a guid change makes readers show the
 * story again. Article ids are URL-safe already; anything else is percent-encoded, `~` too, so
 * the result also matches RFC 2141's stricter NSS grammar that validators check.
 *
 * Trust: the service's own URLs (links, `pageUrl`, category `scheme`/`url`, icons) must be
 * absolute; renderers escape them but do not check them. Everything from the article is checked
 * again at render time (item-fields.ts).
 */

import type { Article } from "../domain/article";
import type { Tag } from "../domain/tag";
import { isoToEpochMs, stripInvalidChars } from "./xml";

export type FeedFormat = "rss" | "atom" | "json";

/** One URL per output format, e.g. `{rss: ".../almaty.rss", atom: ".../almaty.atom", json: ".../almaty.json"}`. */
export type FormatUrls = Readonly<Record<FeedFormat, string>>;

export interface FeedLinks {
  /** This document in each format: RSS/Atom `rel="self"`, JSON Feed `feed_url`. */
  readonly self: FormatUrls;
  /** The HTML page of the feed (the tag page): RSS `link`, Atom `rel="alternate"`, JSON Feed `home_page_url`. */
  readonly alternate: string;
  /** RFC 5005 §3 paged feeds: the newest page, the page of newer and the page of older entries. */
  readonly first?: FormatUrls;
  readonly previous?: FormatUrls;
  /** Older entries: RSS/Atom `rel="next"`, JSON Feed `next_url`. */
  readonly next?: FormatUrls;
  /** WebSub hubs (W3C WebSub §4): RSS/Atom `rel="hub"`, JSON Feed `hubs`. */
  readonly hubs?: readonly string[];
  /**
   * RFC 5005 §4 archived feeds: the archive of older entries (on the current feed, its newest
   * archive), of newer ones, and the subscription document an archive belongs to.
   */
  readonly prevArchive?: FormatUrls;
  readonly nextArchive?: FormatUrls;
  readonly current?: FormatUrls;
  /** RFC 5005 §4: this document is an archive (`<fh:archive/>`); readers keep its entries. */
  readonly archive?: boolean;
  /** XSLT for the browser view: `<?xml-stylesheet type="text/xsl" href="..."?>`. */
  readonly stylesheet?: { readonly rss?: string; readonly atom?: string };
}

export interface FeedPerson {
  readonly name: string;
  readonly url?: string;
}

export interface FeedCategory {
  readonly tag: Tag;
  /** URL naming the tag type, e.g. `https://host/tags/city`: RSS `domain`, Atom `scheme`. */
  readonly scheme: string;
  /** The tag's HTML page. */
  readonly url: string;
}

export interface FeedItem {
  readonly article: Article;
  /** The service's own page of the article: the item link when `article.url` is absent or unusable. */
  readonly pageUrl: string;
  /** The article's tags with their URLs, in the order to show them. */
  readonly categories: readonly FeedCategory[];
}

export interface FeedDocument {
  /** Stable id of the logical feed, the same on every page: an IRI (see {@link feedUrn}). */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** BCP 47 tag of the feed as a whole (`ru`); omitted from output when not well-formed. */
  readonly language?: string;
  /** ISO 8601: when the feed last changed (newest item change). Never the render time. */
  readonly updated: string;
  readonly links: FeedLinks;
  /**
   * The feed's publisher (the service). RFC 4287 §4.1.1 requires a feed-level author unless
   * every entry has one; JSON Feed 1.1 top-level `authors`. Items without authors inherit it.
   */
  readonly author: FeedPerson;
  readonly generator?: { readonly name: string; readonly uri?: string; readonly version?: string };
  /** Square icon, about 512 px (JSON Feed `icon`, RSS `image`). */
  readonly icon?: string;
  /** Small square icon, about 64 px (JSON Feed `favicon`, Atom `icon`). */
  readonly favicon?: string;
  /** Rendered in this order; sort with {@link compareNewestFirst}. */
  readonly items: readonly FeedItem[];
  /**
   * Entries deleted lately (RFC 6721): Atom announces them as `at:deleted-entry`; RSS and JSON
   * Feed have no such element, and their readers simply see the item gone.
   */
  readonly deleted?: readonly DeletedEntry[];
}

export interface DeletedEntry {
  /** The deleted entry's id as it was served (`urn:tagfeed:article:{id}`). */
  readonly ref: string;
  /** ISO 8601: when it was deleted. */
  readonly when: string;
}

export const ARTICLE_URN_PREFIX = "urn:tagfeed:article:";
export const FEED_URN_PREFIX = "urn:tagfeed:feed:";

/** Percent-encoded URN NSS; lone surrogates (which `encodeURIComponent` refuses) are dropped first. */
const encodeNss = (value: string): string => encodeURIComponent(stripInvalidChars(value)).replaceAll("~", "%7E");

const PLAIN_ID = /^[A-Za-z0-9._-]+$/;

/** The stable item id in every format: `urn:tagfeed:article:{id}`. */
export function articleUrn(articleId: string): string {
  return ARTICLE_URN_PREFIX + (PLAIN_ID.test(articleId) ? articleId : encodeNss(articleId));
}

/**
 * A stable feed id: `urn:tagfeed:feed:all`, `urn:tagfeed:feed:city:almaty` for a tag, and
 * `urn:tagfeed:feed:city:almaty+party:amanat` for a combination (its tags in canonical order).
 */
export function feedUrn(tag?: Pick<Tag, "type" | "slug"> | readonly Pick<Tag, "type" | "slug">[]): string {
  if (tag === undefined) return FEED_URN_PREFIX + "all";
  const tags: readonly Pick<Tag, "type" | "slug">[] = Array.isArray(tag) ? tag : [tag as Pick<Tag, "type" | "slug">];
  return FEED_URN_PREFIX + tags.map((t) => encodeNss(t.type) + ":" + encodeNss(t.slug)).join("+");
}

const publishedMs = (a: Article): number => isoToEpochMs(a.published) ?? Number.NEGATIVE_INFINITY;

/**
 * Feed order: newest `published` first; equal dates by id, ascending — the order of the store's
 * index keys (`{invertedTime}:{id}`, KV's byte order; ids are ASCII), so a keyset cursor
 * `(published, id)` pages the same way. Unparseable dates sort last. Never by locale.
 */
export function compareNewestFirst(a: Article, b: Article): number {
  const byDate = publishedMs(b) - publishedMs(a);
  if (byDate !== 0 && !Number.isNaN(byDate)) return byDate;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * A memo of rendered items that the caller may keep between renders (an isolate's LRU, say): a
 * feed is then its head and tail around fragments joined, and an article in many feeds, or in
 * the next version of the same feed, is escaped once. Renderers stay pure: they only read and
 * fill it under `itemCacheKey`, which names everything an item's rendering reads.
 */
export interface ItemFragmentCache {
  get(key: string): string | undefined;
  set(key: string, fragment: string): void;
}

/**
 * Everything an item's fragment depends on: the format, the feed's fallback date and language,
 * the article's content digest (`rev`, which changes with every field) and stamps, and the URLs the
 * service derives for it (its page and its tags', which differ per origin).
 */
export function itemCacheKey(format: FeedFormat, item: FeedItem, fallbackMs: number, feedLanguage: string | undefined): string {
  const a = item.article;
  let key = `${format}\u0000${fallbackMs}\u0000${feedLanguage ?? ""}\u0000${a.id}\u0000${a.rev}\u0000${a.modified}\u0000${item.pageUrl}`;
  for (const c of item.categories) key += `\u0000${c.tag.type}\u0001${c.tag.slug}\u0001${c.tag.name}\u0001${c.scheme}\u0001${c.url}`;
  return key;
}

/** The item's fragment from the cache, or rendered now (and remembered). */
export function cachedFragment(cache: ItemFragmentCache | undefined, key: () => string, render: () => string): string {
  if (cache === undefined) return render();
  const k = key();
  const hit = cache.get(k);
  if (hit !== undefined) return hit;
  const fragment = render();
  cache.set(k, fragment);
  return fragment;
}
