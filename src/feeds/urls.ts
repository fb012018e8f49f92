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

export interface SiteUrls {
  origin: string;
  home: string;
  /** Feed of a tag (or every article when tag is undefined) in one format, with paging query. */
  feed(tag: TagRef | undefined, format: FeedFormat, query?: FeedQuery): string;
  feeds(tag: TagRef | undefined, query?: FeedQuery): FormatUrls;
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

export function siteUrls(origin: string): SiteUrls {
  const base = origin.replace(/\/+$/, "");
  const feedPath = (tag: TagRef | undefined) => (tag ? `${base}/feeds/${tag.type}/${tag.slug}` : `${base}/feeds/all`);
  const queryString = (query: FeedQuery | undefined): string => {
    const params = new URLSearchParams();
    if (query?.limit !== undefined && query.limit !== DEFAULT_LIMIT) params.set("limit", String(query.limit));
    if (query?.after !== undefined) params.set("after", query.after);
    const text = params.toString();
    return text ? `?${text}` : "";
  };
  const feed = (tag: TagRef | undefined, format: FeedFormat, query?: FeedQuery) => `${feedPath(tag)}.${format}${queryString(query)}`;
  return {
    origin: base,
    home: `${base}/`,
    feed,
    feeds: (tag, query) => ({ rss: feed(tag, "rss", query), atom: feed(tag, "atom", query), json: feed(tag, "json", query) }),
    tagPage: (tag) => `${base}/tags/${tag.type}/${tag.slug}`,
    tagType: (type) => `${base}/tags/${type}`,
    article: (id) => `${base}/articles/${encodeURIComponent(id)}`,
    stylesheet: `${base}/feed.xsl`,
    opml: `${base}/opml`,
  };
}
