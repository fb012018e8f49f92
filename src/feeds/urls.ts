/**
 * The service's public URLs, built in one place. Pure: the origin comes in as an argument
 * (PUBLIC_ORIGIN, else the request's own origin).
 */
import type { Tag } from "../domain/tag";
import type { FeedFormat, FormatUrls } from "../render/feed-document";

export const FEED_FORMATS: readonly FeedFormat[] = ["rss", "atom", "json"];
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

type TagRef = Pick<Tag, "type" | "slug">;

/** What a feed is of: every article (undefined), one tag, or the articles holding all of 2-3 tags (a combination, in canonical order). */
export type FeedSubject = TagRef | readonly TagRef[] | undefined;

/** A combination's path segment: `party/amanat+city/almaty`, tags in the order given (canonical: see combinationOrder). */
export const combinationPath = (tags: readonly TagRef[]): string => tags.map((t) => `${t.type}/${t.slug}`).join("+");

/** Canonical order of a combination's tags: by type, then slug (byte order, as the store's keys). */
export function combinationOrder<T extends TagRef>(tags: readonly T[]): T[] {
  const key = (t: TagRef) => `${t.type}/${t.slug}`;
  return [...tags].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export interface SiteUrls {
  origin: string;
  /** WebSub hubs every feed advertises (WEBSUB_HUBS), possibly none. */
  hubs: readonly string[];
  home: string;
  /** Feed of a tag (or every article when tag is undefined) in one format, with paging query. */
  feed(subject: FeedSubject, format: FeedFormat, query?: FeedQuery): string;
  feeds(subject: FeedSubject, query?: FeedQuery): FormatUrls;
  /** RFC 5005 §4 archive `n` (1 = oldest) of a tag's feed or of every article: `/feeds/{type}/{slug}/archive/{n}.{format}`. */
  archives(subject: TagRef | undefined, n: number): FormatUrls;
  tagPage(tag: TagRef): string;
  tagType(type: string): string;
  article(id: string): string;
  stylesheet: string;
  opml: string;
}

export interface FeedQuery {
  limit?: number;
  after?: string;
}

export function siteUrls(origin: string, hubs: readonly string[] = []): SiteUrls {
  const base = origin.replace(/\/+$/, "");
  const feedPath = (subject: FeedSubject): string => {
    if (subject === undefined) return `${base}/feeds/all`;
    if (isCombination(subject)) return `${base}/feeds/${combinationPath(subject)}`;
    return `${base}/feeds/${subject.type}/${subject.slug}`;
  };
  const queryString = (query: FeedQuery | undefined): string => {
    const params = new URLSearchParams();
    if (query?.limit !== undefined && query.limit !== DEFAULT_LIMIT) params.set("limit", String(query.limit));
    if (query?.after !== undefined) params.set("after", query.after);
    const text = params.toString();
    return text ? `?${text}` : "";
  };
  const feed = (tag: FeedSubject, format: FeedFormat, query?: FeedQuery) => `${feedPath(tag)}.${format}${queryString(query)}`;
  return {
    origin: base,
    hubs,
    home: `${base}/`,
    feed,
    feeds: (tag, query) => ({ rss: feed(tag, "rss", query), atom: feed(tag, "atom", query), json: feed(tag, "json", query) }),
    archives: (tag, n) => {
      const path = `${feedPath(tag)}/archive/${n}`;
      return { rss: `${path}.rss`, atom: `${path}.atom`, json: `${path}.json` };
    },
    tagPage: (tag) => `${base}/tags/${tag.type}/${tag.slug}`,
    tagType: (type) => `${base}/tags/${type}`,
    article: (id) => `${base}/articles/${encodeURIComponent(id)}`,
    stylesheet: `${base}/feed.xsl`,
    opml: `${base}/opml`,
  };
}

export const isCombination = (subject: FeedSubject): subject is readonly TagRef[] => Array.isArray(subject);
