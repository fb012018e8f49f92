/**
 * Shared by the format readers (rss.ts, atom.ts, json-feed.ts). Pure. No I/O.
 *
 * URLs: resolved against the in-scope base (RFC 3986 §5.2 via the WHATWG URL parser) and kept
 * only when http(s). People, categories and enclosures: trimmed, deduplicated, empties dropped.
 * Media RSS (https://www.rssboard.org/media-rss) and iTunes podcast elements, which appear in
 * both RSS and Atom feeds, are read here.
 */
import { collapse, htmlToText, looksLikeHtml } from "./text";
import type { UpstreamEnclosure, UpstreamItem, UpstreamPerson, UpstreamPodcast } from "./types";
import { NS, type XmlElement, attr, textOf } from "./xml";

/** An absolute http(s) URL, or undefined. */
export function httpUrl(href: string | undefined, base: string | undefined): string | undefined {
  if (href === undefined) return undefined;
  const value = href.trim();
  if (value === "" || value.length > 4096) return undefined;
  try {
    const url = base === undefined ? new URL(value) : new URL(value, base);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** A base URL we can resolve against (the document URL may be anything the caller passed). */
export function baseUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).href;
  } catch {
    return undefined;
  }
}

/** A plain-text line from feed text: tags stripped and entities decoded when it looks like HTML. */
export function lineText(text: string | undefined, html: boolean | "maybe"): string | undefined {
  if (text === undefined) return undefined;
  const line = html === true || (html === "maybe" && looksLikeHtml(text)) ? htmlToText(text) : collapse(text);
  return line === "" ? undefined : line;
}

/** BCP 47-looking language tags only (`ru`, `kk-KZ`, `en_US` → `en-US`). */
export function languageTag(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const v = value.trim().replace(/_/g, "-");
  return /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8}){0,6}$/.test(v) ? v : undefined;
}

export function parseLength(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === "number" ? value : /^\s*\d{1,15}\s*$/.test(value) ? Number(value) : Number.NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

const MIME_BY_EXTENSION: Record<string, string> = {
  mp3: "audio/mpeg", m4a: "audio/mp4", aac: "audio/aac", ogg: "audio/ogg", oga: "audio/ogg", opus: "audio/opus",
  wav: "audio/wav", flac: "audio/flac", mp4: "video/mp4", m4v: "video/mp4", mov: "video/quicktime", webm: "video/webm",
  jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", gif: "image/gif", webp: "image/webp", avif: "image/avif",
  svg: "image/svg+xml", pdf: "application/pdf", epub: "application/epub+zip",
};

/** A media type for an enclosure: as given (lowercased, parameters kept), else from the extension. */
export function mediaType(type: string | undefined, url: string): string {
  const t = type?.trim().toLowerCase();
  if (t && /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+(?:\s*;.*)?$/.test(t)) return t;
  const ext = /\.([a-z0-9]{2,5})(?:$|[?#])/i.exec(new URL(url).pathname)?.[1]?.toLowerCase();
  return (ext && MIME_BY_EXTENSION[ext]) ?? "application/octet-stream";
}

/**
 * An RSS `author` / `managingEditor`: RSS 2.0 says "email address of the author", written in
 * the wild as `jo@example.com (Jo Smith)`, `Jo Smith <jo@example.com>`, or just a name.
 */
export function personFromRss(value: string): UpstreamPerson | undefined {
  const v = collapse(value);
  if (v === "") return undefined;
  if (v.endsWith(")")) {
    const open = v.lastIndexOf("(");
    if (open > 0 && v.slice(0, open).includes("@")) {
      const name = v.slice(open + 1, -1).trim();
      if (name !== "") return { name };
    }
  }
  if (v.endsWith(">")) {
    const open = v.lastIndexOf("<");
    if (open > 0 && v.slice(open).includes("@")) {
      const name = v.slice(0, open).trim().replace(/^"(.*)"$/, "$1");
      if (name !== "") return { name };
    }
  }
  return { name: v };
}

/** An Atom person construct (RFC 4287 §3.2): name, else email; uri as url when http(s). */
export function atomPerson(el: XmlElement): UpstreamPerson | undefined {
  let name: string | undefined;
  let email: string | undefined;
  let uri: string | undefined;
  for (const c of el.children) {
    if (c.name === "name") name ??= lineText(textOf(c), false);
    else if (c.name === "email") email ??= lineText(textOf(c), false);
    else if (c.name === "uri" || c.name === "url") uri ??= httpUrl(textOf(c), c.base);
  }
  // Atom 0.3 and broken feeds: <author>Name</author>.
  name ??= email ?? lineText(el.text, false);
  if (!name) return undefined;
  return uri ? { name, url: uri } : { name };
}

/** Bounds on what one item's vocabularies contribute (podcast keyword lists run to hundreds). */
const MAX_CATEGORIES = 60;
const MAX_CATEGORY_LENGTH = 200;

/** Collects an item's lists without duplicates. */
export class ItemLists {
  readonly authors: UpstreamPerson[] = [];
  readonly categories: string[] = [];
  readonly enclosures: UpstreamEnclosure[] = [];
  private readonly seen = new Set<string>();

  author(person: UpstreamPerson | undefined): void {
    if (!person) return;
    const name = collapse(person.name);
    if (name === "" || this.seen.has(`a\0${name}`)) return;
    this.seen.add(`a\0${name}`);
    this.authors.push(person.url ? { name, url: person.url } : { name });
  }

  category(term: string | undefined): void {
    if (term === undefined || this.categories.length >= MAX_CATEGORIES) return;
    const c = collapse(term);
    if (c === "" || c.length > MAX_CATEGORY_LENGTH || this.seen.has(`c\0${c}`)) return;
    this.seen.add(`c\0${c}`);
    this.categories.push(c);
  }

  enclosure(url: string | undefined, type: string | undefined, length: string | number | undefined): void {
    if (url === undefined || this.seen.has(`e\0${url}`)) return;
    this.seen.add(`e\0${url}`);
    const len = parseLength(length);
    this.enclosures.push({ url, type: mediaType(type, url), ...(len !== undefined && { length: len }) });
  }
}

/**
 * The subject vocabularies an item may carry besides its format's own categories, by namespace:
 * itunes:keywords (comma-separated), itunes:category `text` (nested: each level is a term),
 * media:category (its text, or its `label`), dc:subject / dcterms:subject (as given, not split).
 */
export function readSubjects(el: XmlElement, lists: ItemLists): void {
  for (const c of el.children) {
    if (c.ns === NS.itunes) {
      if (c.name === "keywords") for (const k of textOf(c).split(",")) lists.category(lineText(k, "maybe"));
      else if (c.name === "category") itunesCategory(c, lists, 0);
    } else if (c.ns === NS.media) {
      if (c.name === "category") lists.category(lineText(attr(c, "label") ?? textOf(c), "maybe"));
      else if (c.name === "keywords") for (const k of textOf(c).split(",")) lists.category(lineText(k, "maybe"));
    } else if ((c.ns === NS.dc || c.ns === NS.dcterms) && c.name === "subject") {
      lists.category(lineText(textOf(c), "maybe"));
    }
  }
}

function itunesCategory(el: XmlElement, lists: ItemLists, depth: number): void {
  lists.category(attr(el, "text"));
  if (depth < 3) for (const c of el.children) if (c.ns === NS.itunes && c.name === "category") itunesCategory(c, lists, depth + 1);
}

/** itunes:duration: `H:MM:SS`, `MM:SS` or seconds; undefined when it is none of these. */
export function durationSeconds(value: string): number | undefined {
  const v = value.trim();
  const m = /^(?:(?:(\d{1,3}):)?(\d{1,3}):)?(\d{1,7})(?:\.\d+)?$/.exec(v);
  if (!m) return undefined;
  const [, h, mi, sec] = m;
  if ((h !== undefined || mi !== undefined) && Number(sec) > 59) return undefined;
  if (h !== undefined && Number(mi) > 59) return undefined;
  const total = Number(h ?? 0) * 3600 + Number(mi ?? 0) * 60 + Number(sec);
  return total > 0 && Number.isSafeInteger(total) ? total : undefined;
}

/** The itunes:* episode fields of an item (Apple Podcasts RSS tags). */
export function readPodcast(el: XmlElement): UpstreamPodcast | undefined {
  const podcast: UpstreamPodcast = {};
  for (const c of el.children) {
    if (c.ns !== NS.itunes) continue;
    switch (c.name) {
      case "duration":
        podcast.durationSeconds ??= durationSeconds(textOf(c));
        break;
      case "explicit": {
        const v = textOf(c).toLowerCase();
        if (podcast.explicit === undefined) {
          if (v === "yes" || v === "true" || v === "explicit") podcast.explicit = true;
          else if (v === "no" || v === "false" || v === "clean") podcast.explicit = false;
        }
        break;
      }
      case "episode": {
        const n = /^\s*\d{1,9}\s*$/.test(textOf(c)) ? Number(textOf(c)) : 0;
        if (n > 0) podcast.episode ??= n;
        break;
      }
      case "image":
        podcast.image ??= httpUrl(attr(c, "href") ?? textOf(c), c.base);
        break;
    }
  }
  return Object.keys(podcast).length > 0 ? podcast : undefined;
}

/** What the Media RSS / iTunes elements of an item contributed. */
export interface MediaInfo {
  thumbnail?: string;
  image?: string;
  description?: string;
  title?: string;
}

/** Media RSS: media:content (audio/video → enclosures, images → image), media:group, media:thumbnail. */
export function readMedia(el: XmlElement, lists: ItemLists, info: MediaInfo): void {
  for (const c of el.children) {
    if (c.ns === NS.media) {
      switch (c.name) {
        case "group":
          readMedia(c, lists, info);
          break;
        case "content": {
          const url = httpUrl(attr(c, "url"), c.base);
          const type = attr(c, "type");
          const medium = (attr(c, "medium") ?? (url ? mediaType(type, url) : "").split("/")[0] ?? "").trim().toLowerCase();
          if (url) {
            if (medium === "audio" || medium === "video") lists.enclosure(url, type, attr(c, "fileSize"));
            else if (medium === "image") info.image ??= url;
          }
          // media:content may wrap its own thumbnail, title, description.
          readMedia(c, lists, info);
          break;
        }
        case "thumbnail":
          info.thumbnail ??= httpUrl(attr(c, "url"), c.base);
          break;
        case "description": {
          const t = textOf(c);
          if (t !== "") info.description ??= t;
          break;
        }
        case "title": {
          const t = textOf(c);
          if (t !== "") info.title ??= t;
          break;
        }
      }
    } else if (c.ns === NS.itunes && c.name === "image") {
      info.image ??= httpUrl(attr(c, "href") ?? textOf(c), c.base);
    }
  }
}

/** The item image by precedence: media:thumbnail, media:content image, itunes:image, image enclosure. */
export function pickImage(info: MediaInfo, lists: ItemLists, ...fallbacks: (string | undefined)[]): string | undefined {
  return (
    info.thumbnail ??
    info.image ??
    fallbacks.find((f) => f !== undefined) ??
    lists.enclosures.find((e) => e.type.startsWith("image/"))?.url
  );
}

/** An item worth passing on: something identifies it or says something (an empty `<item/>` does not). */
export function hasContent(item: UpstreamItem): boolean {
  return (
    item.guid !== undefined ||
    item.url !== undefined ||
    item.title !== undefined ||
    item.summary !== undefined ||
    item.contentHtml !== undefined ||
    item.contentText !== undefined ||
    item.enclosures.length > 0
  );
}

/** An item object with only its defined fields (stable shape for callers and tests). */
export function makeItem(fields: Partial<UpstreamItem>, lists: ItemLists): UpstreamItem {
  if ((fields.contentHtml === undefined && fields.summary === undefined) || !fields.baseUrl?.startsWith("http")) fields.baseUrl = undefined;
  const item: UpstreamItem = { authors: lists.authors, categories: lists.categories, enclosures: lists.enclosures };
  for (const key of ["guid", "url", "title", "summary", "contentHtml", "contentText", "published", "updated", "image", "language", "baseUrl"] as const) {
    const value = fields[key];
    if (value !== undefined && value !== "") item[key] = value;
  }
  if (fields.podcast !== undefined) item.podcast = fields.podcast;
  return item;
}
