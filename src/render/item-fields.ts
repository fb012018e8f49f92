/**
 * What every format derives from a FeedItem the same way: id, link, dates, summary, content,
 * people, media. Pure; computed once per item per render. Keeping these rules here is what makes
 * an item read the same in RSS, Atom and JSON Feed.
 *
 * Guards: stored articles are validated on the way in, but feeds must stay valid for any input
 * (older records, upstream feeds), so URLs, dates and language tags are checked again here and
 * dropped or replaced when unusable, never emitted broken. Text is not cleaned here: each
 * renderer's escaping (xml.ts) does it once, on the way out.
 */

import type { Article } from "../domain/article";
import { decodeEntities } from "../ingest/text";
import { articleUrn, type FeedCategory, type FeedDocument, type FeedItem, type FeedPerson } from "./feed-document";
import { escapeHtmlText, isoToEpochMs, stripInvalidChars } from "./xml";

export interface ItemEnclosure {
  readonly url: string;
  readonly type: string;
  readonly length: number | undefined;
}

export interface ItemSource {
  readonly name: string;
  readonly url: string | undefined;
}

export interface ItemFields {
  /** `urn:tagfeed:article:{id}` (feed-document.ts). */
  readonly id: string;
  /** The article's own URL when usable, else the service's article page. */
  readonly link: string;
  /** The title, or undefined when nothing printable is left of it. */
  readonly title: string | undefined;
  /** Plain text: the summary, else an excerpt of the content. */
  readonly summary: string | undefined;
  readonly contentHtml: string | undefined;
  readonly contentText: string | undefined;
  readonly publishedMs: number;
  /** Never before `publishedMs` (Atom `updated`). */
  readonly updatedMs: number;
  /** Set only when the article states an update (JSON Feed `date_modified`). */
  readonly modifiedMs: number | undefined;
  readonly authors: readonly FeedPerson[];
  readonly language: string | undefined;
  readonly image: string | undefined;
  readonly enclosures: readonly ItemEnclosure[];
  readonly sources: readonly ItemSource[];
  /** The item's categories, without any whose name or slug is blank (RSS and Atom need both). */
  readonly categories: readonly FeedCategory[];
}

/** Length of a generated excerpt, in UTF-16 code units before the ellipsis. */
export const EXCERPT_LENGTH = 300;

/** The feed's `updated`; an unusable value falls back to the newest item date, then the epoch. */
export function feedUpdatedMs(doc: FeedDocument): number {
  const ms = isoToEpochMs(doc.updated);
  if (ms !== undefined) return ms;
  let newest = 0;
  for (const item of doc.items) {
    const a = item.article;
    const t = isoToEpochMs(a.updated) ?? isoToEpochMs(a.published);
    if (t !== undefined && t > newest) newest = t;
  }
  return newest;
}

/** BCP 47, loosely (the same shape as `LanguageSchema`): `ru`, `kk-KZ`, `zh-Hant`. */
const LANGUAGE_TAG = /^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$/;

export function languageTag(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  return LANGUAGE_TAG.test(v) ? v : undefined;
}

/** Absolute http(s) URL made only of characters every URI grammar allows unescaped. */
const PLAIN_HTTP_URL = /^https?:\/\/[A-Za-z0-9[][^\x00-\x20\x7F-\uFFFF"<>\\^`{|}]*$/i;

/**
 * An absolute http(s) URL safe to emit anywhere (RSS requires URIs, not IRIs), or undefined.
 * The common case is a regex test; anything else (spaces, Cyrillic paths, IDN hosts) goes
 * through the WHATWG URL parser, which percent-encodes and punycodes it.
 */
export function safeUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (PLAIN_HTTP_URL.test(value)) return value;
  try {
    const url = new URL(stripInvalidChars(value).trim());
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** A MIME type the feed validators accept (`EnclosureSchema` shape). */
const MIME_TYPE = /^[\w.+-]+\/[\w.+-]+$/;

/** A character that is neither whitespace nor dropped by `stripInvalidChars`; stops at the first. */
const PRINTABLE = /[^\s\x00-\x1F\x7F-\x9F\uD800-\uDFFF\uFFFE\uFFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF]/;

const nonBlank = (value: string | undefined): string | undefined =>
  value !== undefined && PRINTABLE.test(value) ? value : undefined;

const cleanName = (value: string): string | undefined => {
  const s = stripInvalidChars(value).trim();
  return s === "" ? undefined : s;
};

const usableCategory = (c: FeedCategory): boolean =>
  nonBlank(c.tag.name) !== undefined && nonBlank(c.tag.slug) !== undefined;

export function itemFields(item: FeedItem, fallbackMs: number): ItemFields {
  const a = item.article;
  const stated = isoToEpochMs(a.updated);
  const publishedMs = isoToEpochMs(a.published) ?? stated ?? fallbackMs;
  const contentHtml = nonBlank(a.content_html);
  const contentText = nonBlank(a.content_text);
  return {
    id: articleUrn(a.id),
    link: safeUrl(a.url) ?? item.pageUrl,
    title: nonBlank(a.title),
    summary: summaryOf(a, contentHtml, contentText),
    contentHtml,
    contentText,
    publishedMs,
    updatedMs: stated !== undefined && stated > publishedMs ? stated : publishedMs,
    modifiedMs: stated,
    authors: people(a.authors),
    language: languageTag(a.language),
    image: safeUrl(a.image),
    enclosures: enclosuresOf(a),
    sources: sourcesOf(a),
    categories: item.categories.every(usableCategory) ? item.categories : item.categories.filter(usableCategory),
  };
}

function people(list: Article["authors"]): FeedPerson[] {
  const out: FeedPerson[] = [];
  for (const p of list) {
    const name = cleanName(p.name);
    if (name === undefined) continue;
    const url = safeUrl(p.url);
    out.push(url === undefined ? { name } : { name, url });
  }
  return out;
}

function enclosuresOf(a: Article): ItemEnclosure[] {
  const out: ItemEnclosure[] = [];
  for (const e of a.enclosures) {
    const url = safeUrl(e.url);
    if (url === undefined) continue;
    const type = MIME_TYPE.test(e.type) ? e.type : "application/octet-stream";
    const length = Number.isSafeInteger(e.length) && (e.length as number) >= 0 ? e.length : undefined;
    out.push({ url, type, length });
  }
  return out;
}

function sourcesOf(a: Article): ItemSource[] {
  const out: ItemSource[] = [];
  for (const s of a.sources) {
    const name = cleanName(s.name);
    if (name !== undefined) out.push({ name, url: safeUrl(s.url) });
  }
  return out;
}

function summaryOf(a: Article, html: string | undefined, text: string | undefined): string | undefined {
  const summary = nonBlank(a.summary);
  if (summary !== undefined) return summary;
  if (text !== undefined) return leadingExcerpt(text, textPrefix);
  if (html !== undefined) return leadingExcerpt(html, htmlToText);
  return undefined;
}

/**
 * An excerpt of the start of a long body, reading only as much of it as needed: twice the
 * excerpt's length, four times more while that gives too little text (tag-heavy markup).
 */
function leadingExcerpt(body: string, toText: (body: string, max: number) => string): string | undefined {
  let read = 2 * EXCERPT_LENGTH;
  let plain = toText(body, read);
  while (plain.length <= EXCERPT_LENGTH && read < body.length) {
    read *= 4;
    plain = toText(body, read);
  }
  return cutExcerpt(plain, EXCERPT_LENGTH);
}

const textPrefix = (text: string, max: number): string =>
  collapseWhitespace(text.length > max ? text.slice(0, max) : text);

// ---------------------------------------------------------------------------------------------
// Text <-> HTML, for excerpts and for plain-text bodies in formats that want HTML.

/** Inline elements, whose tags join their neighbours (`<b>Al</b>maty`); every other tag separates words. */
const INLINE_TAGS =
  /<\/?(?:a|abbr|b|bdi|bdo|cite|code|data|del|dfn|em|font|i|ins|kbd|mark|q|s|samp|small|span|strong|sub|sup|time|u|var|wbr)(?=[\s/>])[^>]*>/gi;
const ANY_TAG = /<[^>]*>/g;
const SKIPPED_BLOCKS = /<(script|style|template)\b[^>]*>[\s\S]*?<\/\1\s*>|<!--[\s\S]*?-->/gi;
const HAS_SKIPPED_BLOCK = /<(?:script|style|template|!--)/i;
const PARTIAL_ENTITY = /^&#?[A-Za-z0-9]*$/;
/**
 * Runs of whitespace, and single whitespace characters other than a space: only what must change.
 * ASCII whitespace and no-break space only: a class with the rarer Unicode spaces scans several
 * times slower in V8, and a stray U+2003 in an excerpt does no harm.
 */
const WHITESPACE_TO_COLLAPSE = /[ \t\n\v\f\r\u00A0]{2,}|[\t\n\v\f\r\u00A0]/g;
/** Whitespace runs as single spaces, trimmed. */
const collapseWhitespace = (s: string): string => s.replace(WHITESPACE_TO_COLLAPSE, " ").trim();

/** The first `max` characters of HTML, without a tag or an entity cut in half at the end. */
function htmlPrefix(html: string, max: number): string {
  let s = html.slice(0, max);
  const lt = s.lastIndexOf("<");
  if (lt > s.lastIndexOf(">")) s = s.slice(0, lt);
  const amp = s.lastIndexOf("&");
  if (amp >= 0 && PARTIAL_ENTITY.test(s.slice(amp))) s = s.slice(0, amp);
  return s;
}

/**
 * Readable text of an HTML fragment, at most `maxHtml` characters of it read: tags removed
 * (inline ones join, others separate words), character references decoded as a browser does
 * (`decodeEntities`: every HTML5 named one, C1 numeric ones through windows-1252), whitespace collapsed.
 */
export function htmlToText(html: string, maxHtml = Number.POSITIVE_INFINITY): string {
  let s = html.length > maxHtml ? htmlPrefix(html, maxHtml) : html;
  if (s.includes("<")) {
    if (HAS_SKIPPED_BLOCK.test(s)) s = s.replace(SKIPPED_BLOCKS, " ");
    s = s.replace(INLINE_TAGS, "").replace(ANY_TAG, " ");
  }
  return collapseWhitespace(decodeEntities(s));
}

/** At most `max` code units of the text, whitespace collapsed, cut at a word boundary, never inside a surrogate pair. */
export function excerpt(text: string, max = EXCERPT_LENGTH): string | undefined {
  return cutExcerpt(collapseWhitespace(text), max);
}

const TRAILING_PUNCTUATION = " ,;:.-\u2013\u2014";

function cutExcerpt(s: string, max: number): string | undefined {
  if (s === "") return undefined;
  if (s.length <= max) return s;
  let cut = s.lastIndexOf(" ", max);
  if (cut < max * 0.6) cut = max;
  const code = s.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  while (cut > 0 && TRAILING_PUNCTUATION.includes(s.charAt(cut - 1))) cut -= 1;
  return s.slice(0, cut) + "\u2026";
}

/** Plain text as HTML: blank lines separate paragraphs, single line breaks become `<br>`. */
export function textToHtml(text: string): string {
  const paragraphs = text.trim().split(/\r?\n[ \t]*(?:\r?\n[ \t]*)+/);
  let out = "";
  for (const p of paragraphs) {
    if (p === "") continue;
    out += "<p>" + escapeHtmlText(p).replace(/\r?\n/g, "<br>") + "</p>";
  }
  return out;
}
