/**
 * From stored articles to the neutral FeedDocument every renderer reads. Pure: URLs, names and
 * the feed's change time come in as arguments; no clock.
 */
import type { Article } from "../domain/article";
import type { Tag } from "../domain/tag";
import { type FeedDocument, type FeedItem, articleUrn, feedUrn } from "../render/feed-document";
import type { FeedSubject, SiteUrls } from "./urls";

export const SERVICE_NAME = "tagfeed";

export interface FeedPage {
  /** The tag, or undefined for the feed of every article (and for a combination). */
  tag: Tag | undefined;
  /** A combination feed's tags (2-3, canonical order): the articles holding all of them. */
  combination?: readonly Tag[];
  /**
   * Set when the page stopped before it was full because its scan budget ran out (combination
   * feeds): `next` continues where it stopped, and the feed says so.
   */
  partial?: boolean;
  /** Display label of the tag's type ("Cities"). */
  typeLabel?: string;
  articles: readonly Article[];
  limit: number;
  /** The cursor this page starts after (undefined on the first page). */
  after: string | undefined;
  /** The cursor of the next (older) page, when there is one. */
  next: string | undefined;
  /** When the feed last changed (unix ms). */
  changedMs: number;
  /** Articles deleted from the feed lately (store/deletions.ts), newest first. */
  deleted?: readonly { id: string; atMs: number }[];
  /** How many RFC 5005 §4 archives the feed has: its first page links the newest. */
  archives?: number;
  /** Set when this page is archive `n` of `count` (RFC 5005 §4), not the feed itself. */
  archive?: { n: number; count: number };
}

/** A combination's display name: "AMANAT + Алматы". */
export const combinationName = (tags: readonly Pick<Tag, "name">[]): string => tags.map((t) => t.name).join(" + ");

export function buildFeedDocument(page: FeedPage, urls: SiteUrls): FeedDocument {
  const { tag, combination } = page;
  const subject: FeedSubject = combination ?? tag;
  const title = combination
    ? `${combinationName(combination)} — ${SERVICE_NAME}`
    : tag
      ? `${tag.name} — ${SERVICE_NAME}`
      : `${SERVICE_NAME}: all articles`;
  const stopped = page.partial
    ? " This page stopped early, within its cost budget: the next page continues where it stopped."
    : "";
  const description =
    (combination
      ? `News tagged ${combination.map((t) => t.name).join(" and ")}, all at once, newest first.`
      : tag
        ? `News tagged ${tag.name} (${page.typeLabel ?? tag.type}), newest first.`
        : "Every article tagfeed holds, newest first.") + stopped +
    (page.archive ? ` Archive ${page.archive.n} of its history (RFC 5005), oldest first by number.` : "");
  // A feed states a language only when every article on it states the same one: one article's
  // `kk` must not label the unlabelled rest (readers hyphenate, translate and voice by it).
  const stated = page.articles.map((a) => a.language?.toLowerCase().split("-")[0]);
  const languages = new Set(stated);
  const items: FeedItem[] = page.articles.map((article) => ({
    article,
    pageUrl: urls.article(article.id),
    categories: article.tags.map((t) => ({ tag: t, scheme: urls.tagType(t.type), url: urls.tagPage(t) })),
  }));
  const query = { limit: page.limit };
  const archived = combination ? undefined : page.archive;
  const archiveLinks = archived
    ? {
        archive: true,
        current: urls.feeds(tag),
        ...(archived.n > 1 && { prevArchive: urls.archives(tag, archived.n - 1) }),
        ...(archived.n < archived.count && { nextArchive: urls.archives(tag, archived.n + 1) }),
      }
    : !combination && page.after === undefined && (page.archives ?? 0) > 0
      ? { prevArchive: urls.archives(tag, page.archives ?? 0) }
      : {};
  return {
    id: feedUrn(combination ?? tag),
    title,
    description,
    ...(languages.size === 1 && stated[0] !== undefined && { language: stated[0] }),
    updated: new Date(page.changedMs).toISOString(),
    links: {
      self: archived ? urls.archives(tag, archived.n) : urls.feeds(subject, { ...query, ...(page.after !== undefined && { after: page.after }) }),
      // A combination has no page of its own: its first tag's page is the nearest.
      alternate: combination?.[0] ? urls.tagPage(combination[0]) : tag ? urls.tagPage(tag) : urls.home,
      ...(!archived && page.after !== undefined && { first: urls.feeds(subject, query) }),
      ...(!archived && page.next !== undefined && { next: urls.feeds(subject, { ...query, after: page.next }) }),
      ...archiveLinks,
      stylesheet: { rss: urls.stylesheet, atom: urls.stylesheet },
      ...(urls.hubs.length > 0 && { hubs: urls.hubs }),
    },
    author: { name: SERVICE_NAME, url: urls.home },
    generator: { name: SERVICE_NAME, uri: urls.home },
    items,
    ...(page.deleted !== undefined && page.deleted.length > 0 && {
      deleted: page.deleted.map((d) => ({ ref: articleUrn(d.id), when: new Date(d.atMs).toISOString() })),
    }),
  };
}
