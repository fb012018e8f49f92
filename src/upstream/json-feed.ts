/**
 * JSON Feed 1.0 and 1.1 (https://www.jsonfeed.org/version/1.1/) to UpstreamItems. Pure. No I/O.
 *
 * The input is untrusted JSON: every field is type-checked and anything of the wrong type is
 * ignored, never thrown on. 1.1 `authors` and 1.0 `author` are both read (item, else feed);
 * `language` is 1.1 (item, else feed). `url`, else `external_url`, is the item's link; URLs are
 * resolved against the document URL and kept only when http(s). `summary` and `content_text`
 * are plain text, `content_html` HTML; `tags` become categories; `attachments` enclosures;
 * `image`, else `banner_image`, the image.
 */
import { ItemLists, baseUrl, hasContent, httpUrl, languageTag, lineText, makeItem } from "./common";
import { parseFeedDate } from "./dates";
import type { ParsedFeed, UpstreamItem, UpstreamPerson } from "./types";

type Json = Record<string, unknown>;

/**
 * `version` of JSON Feed 1.x as written in the wild: the spec's URL (https or http, `www.` or
 * not, with or without a trailing slash or the scheme), or the bare number (`1`, `1.0`, `1.1`).
 */
export const JSON_FEED_VERSION = /^(?:(?:https?:\/\/)?(?:www\.)?jsonfeed\.org\/version\/)?v?1(?:\.\d{1,2})?\/?$/i;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  if (typeof v === "string") {
    const t = v.trim();
    return t === "" ? undefined : t;
  }
  return undefined;
}

function person(v: unknown, base: string | undefined): UpstreamPerson | undefined {
  if (!isObject(v)) return undefined;
  const name = lineText(str(v.name), false);
  const url = httpUrl(str(v.url), base);
  if (!name) return undefined;
  return url ? { name, url } : { name };
}

function peopleOf(o: Json, base: string | undefined): UpstreamPerson[] {
  const out: UpstreamPerson[] = [];
  if (Array.isArray(o.authors)) {
    for (const a of o.authors) {
      const p = person(a, base);
      if (p) out.push(p);
    }
  }
  if (out.length === 0) {
    const p = person(o.author, base);
    if (p) out.push(p);
  }
  return out;
}

function readItem(o: Json, base: string | undefined, feedAuthors: UpstreamPerson[], feedLanguage: string | undefined): UpstreamItem | undefined {
  const lists = new ItemLists();
  for (const p of peopleOf(o, base)) lists.author(p);
  if (lists.authors.length === 0) for (const p of feedAuthors) lists.author(p);
  if (Array.isArray(o.tags)) for (const t of o.tags) lists.category(str(t));
  if (Array.isArray(o.attachments)) {
    for (const a of o.attachments) {
      if (!isObject(a)) continue;
      const size = a.size_in_bytes;
      lists.enclosure(httpUrl(str(a.url), base), str(a.mime_type), typeof size === "number" || typeof size === "string" ? size : undefined);
    }
  }
  const id = typeof o.id === "number" && Number.isFinite(o.id) ? String(o.id) : str(o.id);
  const url = httpUrl(str(o.url), base) ?? httpUrl(str(o.external_url), base);
  const published = parseFeedDate(str(o.date_published) ?? "");
  const updated = parseFeedDate(str(o.date_modified) ?? "");
  const item = makeItem(
    {
      guid: id,
      url,
      title: lineText(str(o.title), false),
      summary: str(o.summary),
      contentHtml: str(o.content_html),
      contentText: str(o.content_text),
      published: published ?? updated,
      updated,
      image: httpUrl(str(o.image), base) ?? httpUrl(str(o.banner_image), base) ?? lists.enclosures.find((e) => e.type.startsWith("image/"))?.url,
      language: languageTag(str(o.language)) ?? feedLanguage,
      baseUrl: base,
    },
    lists,
  );
  return hasContent(item) ? item : undefined;
}

/** Reads a parsed JSON document that carries a JSON Feed version. */
export function readJsonFeed(doc: Json, documentUrl: string | undefined): ParsedFeed {
  const base = baseUrl(documentUrl);
  const language = languageTag(str(doc.language));
  const feedAuthors = peopleOf(doc, base);
  const items: UpstreamItem[] = [];
  if (Array.isArray(doc.items)) {
    for (const raw of doc.items) {
      if (!isObject(raw)) continue;
      const item = readItem(raw, base, feedAuthors, language);
      if (item) items.push(item);
    }
  }
  const feed: ParsedFeed = { format: "jsonfeed", items };
  const title = lineText(str(doc.title), false);
  if (title) feed.title = title;
  const link = httpUrl(str(doc.home_page_url), base);
  if (link) feed.link = link;
  if (language) feed.language = language;
  const description = lineText(str(doc.description), false);
  if (description) feed.description = description;
  const image = httpUrl(str(doc.icon), base) ?? httpUrl(str(doc.favicon), base);
  if (image) feed.image = image;
  const self = httpUrl(str(doc.feed_url), base);
  if (self) feed.selfUrl = self;
  return feed;
}
