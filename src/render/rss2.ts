/**
 * RSS 2.0 (https://www.rssboard.org/rss-specification) from a FeedDocument. Pure and
 * deterministic: equal documents give byte-identical output; dates come from the document,
 * never the clock; items keep the order given.
 *
 * Extensions: content:encoded (full HTML, in CDATA), dc:creator (authors: RSS `author` must be
 * an e-mail address), atom:link (rel="self", RFC 5005 paging), media:content (images and any
 * enclosure after the first: the RSS Best Practices Profile allows one `enclosure` per item).
 *
 * Field choices:
 * - guid: `urn:tagfeed:article:{id}` with isPermaLink="false" (see feed-document.ts);
 *   `link` carries the article URL.
 * - description: the plain-text summary (or an excerpt) escaped as HTML, because readers treat
 *   description as HTML (Best Practices Profile); always present, so an item never lacks both
 *   title and description and content:encoded always follows a description.
 * - enclosure length: RSS requires it; 0 when unknown (the Profile's advice).
 * - source: only when the source has a URL; RSS 2.0 requires the `url` attribute.
 */

import { type FeedDocument, type FeedItem, type FormatUrls, type ItemFragmentCache, cachedFragment, itemCacheKey } from "./feed-document";
import { FEED_HISTORY_NS } from "./atom1";
import { feedUpdatedMs, itemFields, languageTag, safeUrl, textToHtml } from "./item-fields";
import { cdata, escapeHtmlText, escapeXmlAttr as attr, escapeXmlText as text, toRfc822 } from "./xml";

export const RSS2_CONTENT_TYPE = "application/rss+xml; charset=utf-8";

const RSS_DOCS = "https://www.rssboard.org/rss-specification";
const ROOT_OPEN =
  '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/"' +
  ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/"' +
  ' xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">';

export function renderRss2(doc: FeedDocument, cache?: ItemFragmentCache): string {
  const links = doc.links;
  const language = languageTag(doc.language);
  const updatedMs = feedUpdatedMs(doc);

  let out = '<?xml version="1.0" encoding="utf-8"?>\n';
  if (links.stylesheet?.rss !== undefined) {
    out += '<?xml-stylesheet type="text/xsl" href="' + attr(links.stylesheet.rss) + '"?>\n';
  }
  out += (links.archive === true ? ROOT_OPEN.slice(0, -1) + ' xmlns:fh="' + FEED_HISTORY_NS + '">' : ROOT_OPEN) + "\n<channel>\n";
  out += "<title>" + text(doc.title) + "</title>\n";
  out += "<link>" + text(links.alternate) + "</link>\n";
  out += "<description>" + text(doc.description) + "</description>\n";
  if (language !== undefined) out += "<language>" + language + "</language>\n";
  out += "<lastBuildDate>" + toRfc822(updatedMs) + "</lastBuildDate>\n";
  if (doc.generator !== undefined) {
    const g = doc.generator;
    out += "<generator>" + text(g.version === undefined ? g.name : g.name + " " + g.version) + "</generator>\n";
  }
  out += "<docs>" + RSS_DOCS + "</docs>\n";
  out += atomLink("self", links.self);
  for (const hub of links.hubs ?? []) out += '<atom:link rel="hub" href="' + attr(hub) + '"/>\n';
  if (links.first !== undefined) out += atomLink("first", links.first);
  if (links.previous !== undefined) out += atomLink("previous", links.previous);
  if (links.next !== undefined) out += atomLink("next", links.next);
  if (links.current !== undefined) out += atomLink("current", links.current);
  if (links.prevArchive !== undefined) out += atomLink("prev-archive", links.prevArchive);
  if (links.nextArchive !== undefined) out += atomLink("next-archive", links.nextArchive);
  // RFC 5005 §4 (archives may be RSS): the marker in its namespace, as in Atom.
  if (links.archive === true) out += "<fh:archive/>\n";
  if (doc.icon !== undefined) {
    // RSS 2.0 `image`: title and link must match the channel's.
    out +=
      "<image><url>" + text(doc.icon) + "</url><title>" + text(doc.title) + "</title><link>" +
      text(links.alternate) + "</link></image>\n";
  }
  for (const item of doc.items) {
    out += cachedFragment(cache, () => itemCacheKey("rss", item, updatedMs, language), () => renderItem(item, updatedMs, language));
  }
  return out + "</channel>\n</rss>\n";
}

function atomLink(rel: string, urls: FormatUrls): string {
  return '<atom:link rel="' + rel + '" type="application/rss+xml" href="' + attr(urls.rss) + '"/>\n';
}

function renderItem(item: FeedItem, fallbackMs: number, feedLanguage: string | undefined): string {
  const f = itemFields(item, fallbackMs);
  let out = "<item>";
  if (f.title !== undefined) out += "<title>" + text(f.title) + "</title>";
  out += "<link>" + text(f.link) + "</link>";
  out += '<guid isPermaLink="false">' + text(f.id) + "</guid>";
  out += "<pubDate>" + toRfc822(f.publishedMs) + "</pubDate>";
  out += "<description>" + (f.summary === undefined ? "" : text(escapeHtmlText(f.summary))) + "</description>";
  if (f.contentHtml !== undefined) {
    out += "<content:encoded>" + cdata(f.contentHtml) + "</content:encoded>";
  } else if (f.contentText !== undefined) {
    out += "<content:encoded>" + cdata(textToHtml(f.contentText)) + "</content:encoded>";
  }
  for (const author of f.authors) out += "<dc:creator>" + text(author.name) + "</dc:creator>";
  if (f.language !== undefined && f.language !== feedLanguage) out += "<dc:language>" + f.language + "</dc:language>";
  for (const c of f.categories) {
    out += '<category domain="' + attr(c.scheme) + '">' + text(c.tag.name) + "</category>";
  }
  const [first, ...rest] = f.enclosures;
  if (first !== undefined) {
    out +=
      '<enclosure url="' + attr(first.url) + '" length="' + (first.length ?? 0) + '" type="' + attr(first.type) + '"/>';
  }
  if (f.image !== undefined) out += '<media:content url="' + attr(f.image) + '" medium="image"/>';
  for (const e of rest) {
    const medium = mediumOf(e.type);
    out +=
      '<media:content url="' + attr(e.url) + '" type="' + attr(e.type) + '"' +
      (e.length === undefined ? "" : ' fileSize="' + e.length + '"') +
      (medium === undefined ? "" : ' medium="' + medium + '"') + "/>";
  }
  out += podcastTags(item, f.enclosures);
  const source = f.sources.find((s) => s.url !== undefined);
  if (source?.url !== undefined) out += '<source url="' + attr(source.url) + '">' + text(source.name) + "</source>";
  return out + "</item>\n";
}

/**
 * Apple Podcasts episode tags (https://help.apple.com/itc/podcasts_connect/#/itcb54353390), for
 * items with an audio or video enclosure: what podcast apps read from an episode.
 */
function podcastTags(item: FeedItem, enclosures: readonly { type: string }[]): string {
  const p = item.article.podcast;
  if (p === undefined || !enclosures.some((e) => e.type.startsWith("audio/") || e.type.startsWith("video/"))) return "";
  let out = "";
  if (p.duration_seconds !== undefined) out += "<itunes:duration>" + duration(p.duration_seconds) + "</itunes:duration>";
  if (p.explicit !== undefined) out += "<itunes:explicit>" + (p.explicit ? "true" : "false") + "</itunes:explicit>";
  if (p.episode !== undefined) out += "<itunes:episode>" + p.episode + "</itunes:episode>";
  const image = safeUrl(p.image);
  if (image !== undefined) out += '<itunes:image href="' + attr(image) + '"/>';
  return out;
}

/** Seconds as `H:MM:SS`. */
function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
}

/** Media RSS `medium` for the MIME types it names. */
function mediumOf(type: string): string | undefined {
  const major = type.slice(0, type.indexOf("/"));
  return major === "image" || major === "audio" || major === "video" ? major : undefined;
}
