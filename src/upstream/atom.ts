/**
 * Atom 1.0 (RFC 4287) to UpstreamItems; Atom 0.3 read with the same rules. Pure. No I/O.
 *
 * - Text constructs (§3.1): type="text" is text, "html" is escaped HTML, "xhtml" is a single
 *   xhtml:div whose *contents* are the value (§3.1.1.3): we serialize its inner markup as written.
 * - atom:content (§4.1.3): text → contentText, html/xhtml → contentHtml, other text/* types →
 *   contentText; with `src` (out-of-line content, §4.1.3.2) the src is a link to the item.
 * - Atom 0.3 `mode="base64"` content, summary and title: decoded (UTF-8).
 * - atom:link (§4.2.7): rel="alternate" or no rel (the default) → url (an HTML one preferred),
 *   else the out-of-line content's src, else the id when it is an http(s) URL;
 *   rel="enclosure" → enclosures, resolved against xml:base at feed, entry and element level.
 * - published (§4.2.9), else updated (§4.2.15).
 * - Authors (§4.2.1): the entry's, else its atom:source's, else the feed's.
 * - Categories (§4.2.2): label, else term.
 * - Media RSS inside Atom (YouTube): thumbnail, description, content; media:category,
 *   itunes:keywords/category and dc:subject as categories too.
 */
import { ItemLists, type MediaInfo, atomPerson, hasContent, httpUrl, languageTag, lineText, makeItem, pickImage, readMedia, readPodcast, readSubjects } from "./common";
import { parseFeedDate } from "./dates";
import { cdataToHtml, collapse, htmlToText } from "./text";
import type { ParsedFeed, UpstreamItem, UpstreamPerson } from "./types";
import { type XmlElement, attr, elementsWithin, textOf } from "./xml";

interface TextConstruct {
  kind: "text" | "html";
  value: string;
}

/** The div's inner markup (§3.1.1.3), with the div's own prefix taken off the tags inside. */
function xhtmlInner(raw: string): string {
  const open = /^\s*<(?:([A-Za-z_][\w.-]{0,40}):)?div\b[^>]*>/.exec(raw.length > 4096 ? raw.slice(0, 4096) : raw);
  if (!open) return cdataToHtml(raw).trim();
  const prefix = open[1];
  const close = raw.lastIndexOf(prefix ? `</${prefix}:div` : "</div");
  let inner = raw.slice(open[0].length, close > open[0].length ? close : raw.length);
  if (prefix) inner = inner.split(`<${prefix}:`).join("<").split(`</${prefix}:`).join("</");
  return cdataToHtml(inner).trim();
}

/** Base64 (RFC 4648 §4, whitespace allowed) to UTF-8 text; undefined when it is not base64. */
function base64Text(value: string): string | undefined {
  const compact = value.replace(/\s+/g, "");
  if (compact === "" || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) return undefined;
  try {
    const binary = atob(compact);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return new TextDecoder("utf-8").decode(bytes);
  } catch {
    return undefined;
  }
}

/** A text construct's value (§3.1), or undefined when empty. */
function textConstruct(el: XmlElement | undefined): TextConstruct | undefined {
  if (!el) return undefined;
  const type = (attr(el, "type") ?? "text").trim().toLowerCase();
  const mode = attr(el, "mode"); // Atom 0.3: mode="escaped" | "xml" | "base64"
  let value: string;
  let kind: TextConstruct["kind"];
  if (mode?.trim().toLowerCase() === "base64") {
    // Atom 0.3 §3.1.2: the content is base64 of the `type` media type, here text as UTF-8.
    const decoded = base64Text(textOf(el));
    if (decoded === undefined) return undefined;
    value = decoded;
    kind = type === "text/plain" || type === "text" ? "text" : type.includes("html") || type.includes("xml") ? "html" : type.startsWith("text/") ? "text" : "html";
    return value.trim() === "" ? undefined : { kind, value: value.trim() };
  }
  if (type === "xhtml" || type === "application/xhtml+xml" || mode === "xml") {
    value = el.raw === undefined ? el.text : xhtmlInner(el.raw);
    kind = "html";
  } else if (type === "html" || type === "text/html" || mode === "escaped") {
    value = textOf(el);
    kind = "html";
  } else if (type === "text" || type === "text/plain" || type.startsWith("text/")) {
    value = textOf(el);
    kind = "text";
  } else {
    return undefined; // other media types (§4.1.3.3): not text we can show
  }
  return value === "" ? undefined : { kind, value };
}

function lineOf(t: TextConstruct | undefined): string | undefined {
  if (!t) return undefined;
  const line = t.kind === "html" ? htmlToText(t.value) : collapse(t.value);
  return line === "" ? undefined : line;
}

function links(el: XmlElement, lists: ItemLists | undefined): { alternate?: string; self?: string } {
  let alternate: string | undefined;
  let alternateIsHtml = false;
  let self: string | undefined;
  for (const c of el.children) {
    if (c.name !== "link" || c.ns !== el.ns) continue;
    const rel = (attr(c, "rel") ?? "alternate").trim().toLowerCase();
    const href = httpUrl(attr(c, "href") ?? textOf(c), c.base);
    if (!href) continue;
    if (rel === "alternate" || rel === "http://www.iana.org/assignments/relation/alternate") {
      const type = (attr(c, "type") ?? "").toLowerCase();
      const isHtml = type === "" || type.includes("html");
      if (alternate === undefined || (isHtml && !alternateIsHtml)) {
        alternate = href;
        alternateIsHtml = isHtml;
      }
    } else if (rel === "enclosure") {
      lists?.enclosure(href, attr(c, "type"), attr(c, "length"));
    } else if (rel === "self") {
      self ??= href;
    }
  }
  return { ...(alternate !== undefined && { alternate }), ...(self !== undefined && { self }) };
}

function people(el: XmlElement | undefined, name: string): UpstreamPerson[] {
  const out: UpstreamPerson[] = [];
  if (!el) return out;
  for (const c of el.children) {
    if (c.name === name && c.ns === el.ns) {
      const p = atomPerson(c);
      if (p) out.push(p);
    }
  }
  return out;
}

function firstOf(el: XmlElement, name: string): XmlElement | undefined {
  for (const c of el.children) if (c.name === name && c.ns === el.ns) return c;
  return undefined;
}

function dateOf(el: XmlElement, ...names: string[]): string | undefined {
  for (const name of names) {
    for (const c of el.children) {
      if (c.name === name && c.ns === el.ns) {
        const d = parseFeedDate(textOf(c));
        if (d) return d;
      }
    }
  }
  return undefined;
}

function readEntry(entry: XmlElement, feedAuthors: UpstreamPerson[], feedLanguage: string | undefined): UpstreamItem {
  const lists = new ItemLists();
  const media: MediaInfo = {};
  const { alternate } = links(entry, lists);

  for (const p of people(entry, "author")) lists.author(p);
  if (lists.authors.length === 0) for (const p of people(firstOf(entry, "source"), "author")) lists.author(p);
  if (lists.authors.length === 0) for (const p of feedAuthors) lists.author(p);

  for (const c of entry.children) {
    if (c.name === "category" && c.ns === entry.ns) lists.category(attr(c, "label") ?? attr(c, "term") ?? textOf(c));
  }
  readMedia(entry, lists, media);
  readSubjects(entry, lists);

  let contentHtml: string | undefined;
  let contentText: string | undefined;
  let contentSrc: string | undefined;
  let contentLang: string | undefined;
  const contentEl = firstOf(entry, "content");
  if (contentEl) {
    contentLang = contentEl.lang;
    const src = attr(contentEl, "src");
    if (src !== undefined) {
      contentSrc = httpUrl(src, contentEl.base);
    } else {
      const t = textConstruct(contentEl);
      if (t?.kind === "html") contentHtml = t.value;
      else if (t) contentText = t.value;
    }
  }
  const summaryConstruct = textConstruct(firstOf(entry, "summary"));
  const summary = summaryConstruct?.value ?? media.description;
  const published = dateOf(entry, "published", "issued", "created");
  const updated = dateOf(entry, "updated", "modified");
  const id = textOf(firstOf(entry, "id"));
  // An entry without a link whose id is an http(s) URL: that URL is its permalink (feeds that
  // make the id the page address and leave out the link, §4.2.6 allows any IRI).
  const idLink = /^https?:\/\//i.test(id) ? httpUrl(id, undefined) : undefined;

  return makeItem(
    {
      guid: id === "" ? undefined : collapse(id),
      url: alternate ?? contentSrc ?? idLink,
      title: lineOf(textConstruct(firstOf(entry, "title"))) ?? lineText(media.title, "maybe"),
      summary,
      contentHtml,
      contentText,
      published: published ?? updated,
      updated,
      image: pickImage(media, lists),
      language: languageTag(contentLang ?? entry.lang) ?? feedLanguage,
      baseUrl: (contentEl ?? firstOf(entry, "summary") ?? entry).base,
      podcast: readPodcast(entry),
    },
    lists,
  );
}

/** Reads an Atom `<feed>` root. */
export function readAtom(root: XmlElement): ParsedFeed {
  const language = languageTag(root.lang);
  const feedAuthors = people(root, "author");
  const items: UpstreamItem[] = [];
  // Also inside an element left unclosed before the entries (see xml.ts `elementsWithin`).
  for (const c of elementsWithin(root, root.ns, "entry")) {
    const item = readEntry(c, feedAuthors, language);
    if (hasContent(item)) items.push(item);
  }
  const { alternate, self } = links(root, undefined);
  const feed: ParsedFeed = { format: "atom", items };
  const title = lineOf(textConstruct(firstOf(root, "title")));
  if (title) feed.title = title;
  if (alternate) feed.link = alternate;
  if (language) feed.language = language;
  const description = lineOf(textConstruct(firstOf(root, "subtitle") ?? firstOf(root, "tagline")));
  if (description) feed.description = description;
  const logo = firstOf(root, "logo") ?? firstOf(root, "icon");
  const image = logo ? httpUrl(textOf(logo), logo.base) : undefined;
  if (image) feed.image = image;
  if (self) feed.selfUrl = self;
  return feed;
}
