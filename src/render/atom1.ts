/**
 * Atom 1.0 (RFC 4287) from a FeedDocument. Pure and deterministic: equal documents give
 * byte-identical output; dates come from the document, never the clock; entries keep the order
 * given.
 *
 * Required elements are always written:
 * - feed (§4.1.1): exactly one `id`, `title`, `updated`; an `author` (the document's, always,
 *   so entries without authors inherit it); `link rel="self"` (a SHOULD).
 * - entry (§4.1.2): exactly one `id` (`urn:tagfeed:article:{id}`, feed-document.ts), `title`
 *   (possibly empty), `updated` (the article's update, else its publication, never earlier than
 *   `published`); `link rel="alternate"`, so an entry without `content` is still valid.
 * Text constructs (§3.1) say their type: titles and summaries `type="text"`, HTML content
 * `type="html"` in a CDATA section (the same character data, XML 1.0 §2.7, without escaping every
 * `<` of a body: the costliest step of rendering), plain-text content `type="text"`.
 * Links (§4.2.7): RFC 5005 paging relations; `enclosure` per attachment; `via` per source with a
 * URL (§4.2.7.2: "the source of the information provided in the containing element"), instead of
 * `atom:source`, whose feed metadata (id, updated) is not known. Images use Media RSS
 * `media:content`, as in the RSS output. `xml:lang` (§2) from the feed and article languages.
 * Recently deleted entries are RFC 6721 `at:deleted-entry` elements (§2.1: `ref` the entry's
 * atom:id, `when` the deletion time), before the entries; the `at` namespace is declared only then.
 */

import { type FeedDocument, type FeedItem, type FeedPerson, type FormatUrls, type ItemFragmentCache, cachedFragment, itemCacheKey } from "./feed-document";
import { feedUpdatedMs, itemFields, languageTag, safeUrl } from "./item-fields";
import { escapeXmlAttr as attr, cdata, escapeXmlText as text, toRfc3339 } from "./xml";

export const ATOM1_CONTENT_TYPE = "application/atom+xml; charset=utf-8";

const ATOM_TYPE = "application/atom+xml";
const TOMBSTONES_NS = "http://purl.org/atompub/tombstones/1.0";
/** RFC 5005 §4: the Feed History namespace of `fh:archive`. */
export const FEED_HISTORY_NS = "http://purl.org/syndication/history/1.0";

export function renderAtom1(doc: FeedDocument, cache?: ItemFragmentCache): string {
  const links = doc.links;
  const language = languageTag(doc.language);
  const updatedMs = feedUpdatedMs(doc);

  let out = '<?xml version="1.0" encoding="utf-8"?>\n';
  if (links.stylesheet?.atom !== undefined) {
    out += '<?xml-stylesheet type="text/xsl" href="' + attr(links.stylesheet.atom) + '"?>\n';
  }
  out +=
    '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/"' +
    (doc.deleted !== undefined && doc.deleted.length > 0 ? ' xmlns:at="' + TOMBSTONES_NS + '"' : "") +
    (links.archive === true ? ' xmlns:fh="' + FEED_HISTORY_NS + '"' : "") +
    (language === undefined ? "" : ' xml:lang="' + language + '"') + ">\n";
  out += "<id>" + text(doc.id) + "</id>\n";
  out += '<title type="text">' + text(doc.title) + "</title>\n";
  if (doc.description.trim() !== "") out += '<subtitle type="text">' + text(doc.description) + "</subtitle>\n";
  out += "<updated>" + toRfc3339(updatedMs) + "</updated>\n";
  out += feedLink("self", links.self);
  for (const hub of links.hubs ?? []) out += '<link rel="hub" href="' + attr(hub) + '"/>\n';
  out += '<link rel="alternate" type="text/html" href="' + attr(links.alternate) + '"/>\n';
  if (links.first !== undefined) out += feedLink("first", links.first);
  if (links.previous !== undefined) out += feedLink("previous", links.previous);
  if (links.next !== undefined) out += feedLink("next", links.next);
  if (links.current !== undefined) out += feedLink("current", links.current);
  if (links.prevArchive !== undefined) out += feedLink("prev-archive", links.prevArchive);
  if (links.nextArchive !== undefined) out += feedLink("next-archive", links.nextArchive);
  if (links.archive === true) out += "<fh:archive/>\n";
  out += author(doc.author) + "\n";
  if (doc.generator !== undefined) {
    const g = doc.generator;
    out +=
      "<generator" + (g.uri === undefined ? "" : ' uri="' + attr(g.uri) + '"') +
      (g.version === undefined ? "" : ' version="' + attr(g.version) + '"') + ">" + text(g.name) + "</generator>\n";
  }
  const icon = doc.favicon ?? doc.icon;
  if (icon !== undefined) out += "<icon>" + text(icon) + "</icon>\n";
  // Before the entries: RFC 4287's schema (appendix B) takes extension elements among the feed's metadata.
  for (const gone of doc.deleted ?? []) {
    const whenMs = Date.parse(gone.when);
    if (!Number.isFinite(whenMs)) continue;
    out += '<at:deleted-entry ref="' + attr(gone.ref) + '" when="' + toRfc3339(whenMs) + '"/>\n';
  }
  for (const item of doc.items) {
    out += cachedFragment(cache, () => itemCacheKey("atom", item, updatedMs, language), () => renderEntry(item, updatedMs));
  }
  return out + "</feed>\n";
}

function feedLink(rel: string, urls: FormatUrls): string {
  return '<link rel="' + rel + '" type="' + ATOM_TYPE + '" href="' + attr(urls.atom) + '"/>\n';
}

/** `atom:author`, a Person construct (§3.2): `name` required, `uri` optional. */
function author(p: FeedPerson): string {
  const uri = safeUrl(p.url);
  return "<author><name>" + text(p.name) + "</name>" + (uri === undefined ? "" : "<uri>" + text(uri) + "</uri>") + "</author>";
}

function renderEntry(item: FeedItem, fallbackMs: number): string {
  const f = itemFields(item, fallbackMs);
  let out = f.language === undefined ? "<entry>" : '<entry xml:lang="' + f.language + '">';
  out += "<id>" + text(f.id) + "</id>";
  out += '<title type="text">' + (f.title === undefined ? "" : text(f.title)) + "</title>";
  const published = toRfc3339(f.publishedMs);
  out += "<updated>" + (f.updatedMs === f.publishedMs ? published : toRfc3339(f.updatedMs)) + "</updated>";
  out += "<published>" + published + "</published>";
  for (const a of f.authors) out += author(a);
  out += '<link rel="alternate" href="' + attr(f.link) + '"/>';
  for (const e of f.enclosures) {
    out +=
      '<link rel="enclosure" type="' + attr(e.type) + '"' +
      (e.length === undefined ? "" : ' length="' + e.length + '"') + ' href="' + attr(e.url) + '"/>';
  }
  const seen = new Set<string>();
  for (const s of f.sources) {
    if (s.url === undefined || seen.has(s.url)) continue;
    seen.add(s.url);
    out += '<link rel="via" href="' + attr(s.url) + '" title="' + attr(s.name) + '"/>';
  }
  // RFC 4287 §4.2.2: `term` identifies the category within its `scheme`. Readers show `term`
  // (WordPress and most generators put the name there), so it is the tag's name; the scheme
  // names the tag type and the label repeats the name for readers that prefer it.
  for (const c of f.categories) {
    out +=
      '<category term="' + attr(c.tag.name) + '" scheme="' + attr(c.scheme) + '" label="' + attr(c.tag.name) + '"/>';
  }
  if (f.summary !== undefined) out += '<summary type="text">' + text(f.summary) + "</summary>";
  if (f.contentHtml !== undefined) {
    out += '<content type="html">' + cdata(f.contentHtml) + "</content>";
  } else if (f.contentText !== undefined) {
    out += '<content type="text">' + text(f.contentText) + "</content>";
  }
  if (f.image !== undefined) out += '<media:content url="' + attr(f.image) + '" medium="image"/>';
  return out + "</entry>\n";
}
