/**
 * Test-only factories for render tests: each call builds fresh objects (never shared, never
 * mutated), with overrides for the fields a test is about. Not imported by production code.
 */

import type { Article } from "../domain/article";
import type { Tag } from "../domain/tag";
import type { FeedCategory, FeedDocument, FeedItem, FormatUrls } from "./feed-document";
import { feedUrn } from "./feed-document";

export const ORIGIN = "https://tagfeed.example";

export function makeArticle(overrides: Partial<Article> = {}): Article {
  return {
    id: "a-1",
    url: "https://news.example.kz/2022/08/27/amanat-platform",
    title: "Эксперты внесли предложения к проекту новой политической платформы Amanat",
    summary: "В Алматы состоялось экспертное обсуждение проекта новой политической платформы.",
    content_html: "<p>В Алматы состоялось <b>экспертное</b> обсуждение.</p><p>Второй абзац.</p>",
    published: "2022-08-26T21:00:00.000Z",
    authors: [{ name: "Даулет Карибек", url: "https://news.example.kz/authors/karibek" }],
    language: "ru",
    sources: [{ name: "News KZ", url: "https://news.example.kz/" }],
    enclosures: [],
    tags: [
      { type: "party", name: "AMANAT", slug: "amanat" },
      { type: "city", name: "Алматы", slug: "almaty" },
    ],
    rev: "rev-1",
    received: "2022-08-27T00:00:00.000Z",
    modified: "2022-08-27T00:00:00.000Z",
    ...overrides,
  };
}

export const formatUrls = (path: string): FormatUrls => ({
  rss: `${ORIGIN}${path}.rss`,
  atom: `${ORIGIN}${path}.atom`,
  json: `${ORIGIN}${path}.json`,
});

export function makeCategory(tag: Tag): FeedCategory {
  return { tag, scheme: `${ORIGIN}/tags/${tag.type}`, url: `${ORIGIN}/tags/${tag.type}/${tag.slug}` };
}

export function makeItem(article: Article = makeArticle(), overrides: Partial<FeedItem> = {}): FeedItem {
  return {
    article,
    pageUrl: `${ORIGIN}/articles/${article.id}`,
    categories: article.tags.map(makeCategory),
    ...overrides,
  };
}

export function makeDocument(overrides: Partial<FeedDocument> = {}): FeedDocument {
  return {
    id: feedUrn({ type: "city", slug: "almaty" }),
    title: "Алматы — tagfeed",
    description: "Новости с тегом «Алматы»",
    language: "ru",
    updated: "2022-08-27T00:00:00.000Z",
    links: {
      self: formatUrls("/feeds/city/almaty"),
      alternate: `${ORIGIN}/tags/city/almaty`,
    },
    author: { name: "tagfeed", url: ORIGIN },
    generator: { name: "tagfeed", uri: "https://github.com/example/tagfeed", version: "0.1.0" },
    items: [makeItem()],
    ...overrides,
  };
}
