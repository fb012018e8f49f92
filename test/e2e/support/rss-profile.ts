/**
 * RSS 2.0 as the RSS Advisory Board specifies it (https://www.rssboard.org/rss-specification)
 * and profiles it (RSS Best Practices Profile, https://www.rssboard.org/rss-profile), written as
 * checks. `checkRssProfile` returns every problem found (empty when the feed passes); each names
 * the rule. Pure: the caller fetches the feed.
 */
import { childNamed, childrenNamed, NS, parseXml, type XmlElement } from "./xml-dom";

/** RSS 2.0 channel elements (no namespace) and how often each may appear. */
const CHANNEL_ELEMENTS: Record<string, "once" | "many"> = {
  title: "once", link: "once", description: "once", language: "once", copyright: "once",
  managingEditor: "once", webMaster: "once", pubDate: "once", lastBuildDate: "once", category: "many",
  generator: "once", docs: "once", cloud: "once", ttl: "once", image: "once", rating: "once",
  textInput: "once", skipHours: "once", skipDays: "once", item: "many",
};

const ITEM_ELEMENTS: Record<string, "once" | "many"> = {
  title: "once", link: "once", description: "once", author: "once", category: "many", comments: "once",
  // The Profile: "an item should not contain more than one enclosure" (readers disagree on several).
  enclosure: "once", guid: "once", pubDate: "once", source: "once",
};

const DAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/**
 * RFC 822 §5 date-time as the Profile recommends it: day name, two-digit day, four-digit year
 * ("should use four digits"), seconds, and GMT or a numeric zone.
 */
const RFC822 = new RegExp(`^(${DAY}), (\\d{2}) (${MONTHS.join("|")}) (\\d{4}) (\\d{2}):(\\d{2}):(\\d{2}) (GMT|[+-]\\d{4})$`);

/** An e-mail address, optionally followed by a name in parentheses (RSS 2.0 author, managingEditor). */
const EMAIL = /^[^\s@()]+@[^\s@()]+\.[^\s@()]+( \(.+\))?$/;
/** RFC 5646 language tag, loosely (what the W3C codes the Profile points to look like). */
const LANGUAGE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/;
const MIME = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(\s*;.*)?$/;

export function isAbsoluteHttpUrl(value: string): boolean {
  if (!/^https?:\/\//i.test(value) || /\s/.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

/** Parses an RFC 822 date as the Profile writes it; undefined when it is not one. */
export function parseRfc822(value: string): Date | undefined {
  const m = RFC822.exec(value);
  if (!m) return undefined;
  const [, day, dd, mon, yyyy, hh, mi, ss, zone] = m as unknown as string[];
  const offset = zone === "GMT" ? "Z" : `${zone!.slice(0, 3)}:${zone!.slice(3)}`;
  const iso = `${yyyy}-${String(MONTHS.indexOf(mon!) + 1).padStart(2, "0")}-${dd}T${hh}:${mi}:${ss}${offset}`;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return undefined;
  // The named day must be the date's own day, in the zone the date is written in.
  const offsetMinutes = zone === "GMT" ? 0 : (zone!.startsWith("-") ? -1 : 1) * (Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(3)));
  const local = new Date(date.getTime() + offsetMinutes * 60_000);
  const names = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  if (names[local.getUTCDay()] !== day || local.getUTCDate() !== Number(dd)) return undefined;
  return date;
}

/** href/src/srcset/poster values inside an HTML fragment (as a reader would resolve them). */
export function htmlUrls(html: string): string[] {
  const urls: string[] = [];
  const attr = /\s(href|src|poster|srcset)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi;
  for (const m of html.matchAll(attr)) {
    const name = m[1]!.toLowerCase();
    const value = (m[2] ?? m[3] ?? m[4] ?? "").replace(/&amp;/g, "&");
    if (name === "srcset") urls.push(...value.split(",").map((part) => part.trim().split(/\s+/)[0] ?? "").filter(Boolean));
    else urls.push(value);
  }
  return urls;
}

export interface RssProfileOptions {
  /** The URL the feed was fetched from: atom:link rel="self" must name it. */
  feedUrl: string;
}

export function checkRssProfile(xml: string, options: RssProfileOptions): string[] {
  const problems: string[] = [];
  const fail = (where: string, rule: string): void => void problems.push(`${where}: ${rule}`);

  let doc;
  try {
    doc = parseXml(xml);
  } catch (error) {
    return [`document: not well-formed XML 1.0 (${(error as Error).message})`];
  }
  if (!/^<\?xml version="1\.0" encoding="utf-8"\?>/i.test(xml)) fail("document", "must start with an XML declaration naming UTF-8");
  const rss = doc.root;
  if (rss.uri !== "" || rss.local !== "rss") return [...problems, "document: the root element must be <rss> (no namespace)"];
  if (rss.attrs.version !== "2.0") fail("rss", 'version attribute must be "2.0"');
  for (const [prefix, uri] of [["content", NS.content], ["dc", NS.dc], ["atom", NS.atom]] as const) {
    const declared = rss.attrs[`xmlns:${prefix}`];
    if (declared !== undefined && declared !== uri) fail("rss", `the ${prefix} prefix must be bound to ${uri}`);
  }
  const channels = rss.children.filter((c) => c.uri === "" && c.local === "channel");
  if (channels.length !== 1) return [...problems, "rss: must contain exactly one channel"];
  if (rss.children.length !== 1) fail("rss", "must contain only the channel");
  const channel = channels[0]!;

  checkCounts(channel, CHANNEL_ELEMENTS, "channel", fail);
  for (const required of ["title", "link", "description"]) {
    const el = childNamed(channel, "", required);
    if (!el) fail("channel", `must contain ${required} (RSS 2.0 required channel element)`);
    else if (el.text.trim() === "") fail(`channel/${required}`, "must not be empty");
  }
  const link = childNamed(channel, "", "link");
  if (link && !isAbsoluteHttpUrl(link.text.trim())) fail("channel/link", `must be an absolute URL, got "${link.text}"`);
  const docs = childNamed(channel, "", "docs");
  if (docs && !isAbsoluteHttpUrl(docs.text.trim())) fail("channel/docs", "must be a URL");
  const language = childNamed(channel, "", "language");
  if (language && !LANGUAGE.test(language.text.trim())) fail("channel/language", `must be a language tag, got "${language.text}"`);
  for (const name of ["pubDate", "lastBuildDate"]) {
    const el = childNamed(channel, "", name);
    if (el && !parseRfc822(el.text.trim())) fail(`channel/${name}`, `must be an RFC 822 date with a four-digit year, got "${el.text}"`);
  }
  for (const name of ["managingEditor", "webMaster"]) {
    const el = childNamed(channel, "", name);
    if (el && !EMAIL.test(el.text.trim())) fail(`channel/${name}`, "must be an e-mail address");
  }
  const ttl = childNamed(channel, "", "ttl");
  if (ttl && !/^\d+$/.test(ttl.text.trim())) fail("channel/ttl", "must be a whole number of minutes");
  const image = childNamed(channel, "", "image");
  if (image) {
    for (const required of ["url", "title", "link"]) if (!childNamed(image, "", required)) fail("channel/image", `must contain ${required}`);
    const url = childNamed(image, "", "url")?.text.trim();
    if (url !== undefined && !isAbsoluteHttpUrl(url)) fail("channel/image/url", "must be an absolute URL");
    if (childNamed(image, "", "title")?.text !== childNamed(channel, "", "title")?.text) fail("channel/image/title", "should match the channel's title");
    if (childNamed(image, "", "link")?.text.trim() !== link?.text.trim()) fail("channel/image/link", "should match the channel's link");
  }
  checkCategories(channel, "channel", fail);

  // The Profile: "A feed should contain an atom:link used for self-reference"; exactly one.
  const atomLinks = childrenNamed(channel, NS.atom, "link");
  const selfLinks = atomLinks.filter((l) => l.attrs.rel === "self");
  if (selfLinks.length !== 1) fail("channel", `must contain exactly one atom:link rel="self" (found ${selfLinks.length})`);
  const self = selfLinks[0];
  if (self) {
    if (self.attrs.href !== options.feedUrl) fail("channel/atom:link[@rel=self]", `href must be the feed's URL ${options.feedUrl}, got ${self.attrs.href}`);
    if (self.attrs.type !== "application/rss+xml") fail("channel/atom:link[@rel=self]", 'type should be "application/rss+xml"');
  }
  for (const l of atomLinks) {
    if (!l.attrs.href || !isAbsoluteHttpUrl(l.attrs.href)) fail(`channel/atom:link[@rel=${l.attrs.rel}]`, "href must be an absolute URL");
    if (!l.attrs.rel) fail("channel/atom:link", "must have a rel");
  }
  for (const rel of ["next", "previous", "first", "last", "prev-archive", "next-archive"]) {
    if (atomLinks.filter((l) => l.attrs.rel === rel).length > 1) fail("channel", `at most one atom:link rel="${rel}" (RFC 5005)`);
  }

  const guids = new Set<string>();
  childrenNamed(channel, "", "item").forEach((item, i) => checkItem(item, `item[${i + 1}]`, guids, fail));
  return problems;
}

function checkItem(item: XmlElement, where: string, guids: Set<string>, fail: (where: string, rule: string) => void): void {
  checkCounts(item, ITEM_ELEMENTS, where, fail);
  const title = childNamed(item, "", "title");
  const description = childNamed(item, "", "description");
  if (!title && !description) fail(where, "must contain a title or a description");
  if (title && title.text.trim() === "") fail(`${where}/title`, "must not be empty");

  const link = childNamed(item, "", "link");
  if (link && !isAbsoluteHttpUrl(link.text.trim())) fail(`${where}/link`, `must be an absolute URL, got "${link.text}"`);
  const comments = childNamed(item, "", "comments");
  if (comments && !isAbsoluteHttpUrl(comments.text.trim())) fail(`${where}/comments`, "must be an absolute URL");

  const guid = childNamed(item, "", "guid");
  if (guid) {
    const value = guid.text.trim();
    const permaLink = guid.attrs.isPermaLink;
    if (permaLink !== undefined && permaLink !== "true" && permaLink !== "false") fail(`${where}/guid`, 'isPermaLink must be "true" or "false"');
    // RSS 2.0: isPermaLink is true when absent, and then the guid must be a URL to the item.
    if (permaLink !== "false" && !isAbsoluteHttpUrl(value)) fail(`${where}/guid`, `is a permalink (isPermaLink ${permaLink ?? "absent"}) but not a URL: "${value}"`);
    if (value === "") fail(`${where}/guid`, "must not be empty");
    if (guids.has(value)) fail(`${where}/guid`, `must be unique in the channel ("${value}" repeats)`);
    guids.add(value);
  }

  const pubDate = childNamed(item, "", "pubDate");
  if (pubDate && !parseRfc822(pubDate.text.trim())) fail(`${where}/pubDate`, `must be an RFC 822 date with a four-digit year, got "${pubDate.text}"`);
  const author = childNamed(item, "", "author");
  if (author && !EMAIL.test(author.text.trim())) fail(`${where}/author`, "must be an e-mail address (names go in dc:creator)");

  for (const enclosure of childrenNamed(item, "", "enclosure")) {
    const { url, length, type } = enclosure.attrs;
    if (url === undefined || !isAbsoluteHttpUrl(url)) fail(`${where}/enclosure`, "url must be an absolute http(s) URL");
    if (length === undefined || !/^\d+$/.test(length)) fail(`${where}/enclosure`, "length must be a whole number of bytes (0 when unknown)");
    if (type === undefined || !MIME.test(type)) fail(`${where}/enclosure`, "type must be a MIME type");
  }
  const source = childNamed(item, "", "source");
  if (source) {
    if (!source.attrs.url || !isAbsoluteHttpUrl(source.attrs.url)) fail(`${where}/source`, "url attribute is required and must be an absolute URL");
    if (source.text.trim() === "") fail(`${where}/source`, "should name the source channel");
  }
  checkCategories(item, where, fail);

  const encoded = childrenNamed(item, NS.content, "encoded");
  if (encoded.length > 1) fail(where, "at most one content:encoded");
  // The Profile: content:encoded carries the full content and description the summary; a reader
  // that ignores content:encoded still shows the description.
  if (encoded.length === 1 && !description) fail(where, "content:encoded should come with a description");
  for (const [name, el] of [["description", description], ["content:encoded", encoded[0]]] as const) {
    if (!el) continue;
    for (const url of htmlUrls(el.text)) {
      if (url.startsWith("#") || /^(mailto|tel|data):/i.test(url)) continue;
      if (!/^[a-z][a-z0-9+.-]*:/i.test(url)) fail(`${where}/${name}`, `HTML must not use relative URLs ("${url}")`);
      else if (/^javascript:/i.test(url)) fail(`${where}/${name}`, `HTML must not carry javascript: URLs`);
    }
  }
  for (const media of childrenNamed(item, NS.media, "content")) {
    if (!media.attrs.url || !isAbsoluteHttpUrl(media.attrs.url)) fail(`${where}/media:content`, "url must be an absolute URL");
  }
}

function checkCategories(parent: XmlElement, where: string, fail: (where: string, rule: string) => void): void {
  for (const category of childrenNamed(parent, "", "category")) {
    if (category.text.trim() === "") fail(`${where}/category`, "must name a category");
    const domain = category.attrs.domain;
    // RSS 2.0: domain "identifies a categorization taxonomy"; a URL there must be absolute.
    if (domain !== undefined && (domain.trim() === "" || (/^[a-z][a-z0-9+.-]*:|^\/|^\./i.test(domain) && !isAbsoluteHttpUrl(domain)))) {
      fail(`${where}/category`, `domain must be a taxonomy name or an absolute URL, got "${domain}"`);
    }
  }
}

function checkCounts(
  el: XmlElement,
  allowed: Record<string, "once" | "many">,
  where: string,
  fail: (where: string, rule: string) => void,
): void {
  const counts = new Map<string, number>();
  for (const child of el.children) {
    if (child.uri !== "") continue; // extensions live in namespaces (RSS 2.0 "Extending RSS")
    const rule = allowed[child.local];
    if (rule === undefined) fail(where, `<${child.local}> is not an RSS 2.0 element and has no namespace`);
    counts.set(child.local, (counts.get(child.local) ?? 0) + 1);
  }
  for (const [name, count] of counts) if (allowed[name] === "once" && count > 1) fail(where, `at most one <${name}> (found ${count})`);
}
