/**
 * Fetching and reading feeds over real HTTP, as a reader would: ids and next links per format.
 */
import { childNamed, childrenNamed, NS, parseXml } from "./xml-dom";

export type Format = "rss" | "atom" | "json";
export const FORMATS: readonly Format[] = ["rss", "atom", "json"];

export const CONTENT_TYPES: Record<Format, string> = {
  rss: "application/rss+xml; charset=utf-8",
  atom: "application/atom+xml; charset=utf-8",
  json: "application/feed+json; charset=utf-8",
};

export interface Fetched {
  url: string;
  status: number;
  headers: Headers;
  body: string;
}

export async function get(url: string, init: RequestInit = {}): Promise<Fetched> {
  const response = await fetch(url, { redirect: "manual", ...init });
  return { url, status: response.status, headers: response.headers, body: await response.text() };
}

/** The page of a feed as a reader sees it: item ids in order and the next page's URL. */
export interface FeedPage {
  ids: string[];
  next: string | undefined;
  /** Item dates in ms, in document order. */
  dates: number[];
}

export function readPage(format: Format, body: string): FeedPage {
  if (format === "json") {
    const feed = JSON.parse(body) as { items: { id: string; date_published?: string }[]; next_url?: string };
    return { ids: feed.items.map((i) => i.id), next: feed.next_url, dates: feed.items.map((i) => Date.parse(i.date_published ?? "")) };
  }
  const root = parseXml(body).root;
  if (format === "atom") {
    const entries = childrenNamed(root, NS.atom, "entry");
    return {
      ids: entries.map((e) => childNamed(e, NS.atom, "id")?.text.trim() ?? ""),
      next: childrenNamed(root, NS.atom, "link").find((l) => l.attrs.rel === "next")?.attrs.href,
      dates: entries.map((e) => Date.parse(childNamed(e, NS.atom, "published")?.text ?? childNamed(e, NS.atom, "updated")?.text ?? "")),
    };
  }
  const channel = childNamed(root, "", "channel")!;
  const items = childrenNamed(channel, "", "item");
  return {
    ids: items.map((i) => childNamed(i, "", "guid")?.text.trim() ?? ""),
    next: childrenNamed(channel, NS.atom, "link").find((l) => l.attrs.rel === "next")?.attrs.href,
    dates: items.map((i) => Date.parse(childNamed(i, "", "pubDate")?.text ?? "")),
  };
}

/** Follows rel=next / next_url from `url` to the end; every page fetched, in order. */
export async function walkPages(format: Format, url: string, maxPages = 100): Promise<{ pages: FeedPage[]; urls: string[] }> {
  const pages: FeedPage[] = [];
  const urls: string[] = [];
  let next: string | undefined = url;
  while (next !== undefined) {
    if (pages.length >= maxPages) throw new Error(`more than ${maxPages} pages from ${url}: a paging loop?`);
    const fetched = await get(next);
    if (fetched.status !== 200) throw new Error(`${next}: ${fetched.status}`);
    urls.push(next);
    const page = readPage(format, fetched.body);
    pages.push(page);
    next = page.next;
  }
  return { pages, urls };
}

/** The service's item id for an article (README: `urn:tagfeed:article:{id}` in every format). */
export const itemId = (articleId: string): string => `urn:tagfeed:article:${articleId}`;
