/**
 * RSS 2.0 (https://www.rssboard.org/rss-specification), RSS 0.91/0.92 (same vocabulary) and
 * RSS 1.0 (https://web.resource.org/rss/1.0/spec: RDF, items are siblings of the channel) to
 * UpstreamItems. Pure. No I/O.
 *
 * Modules read by namespace, whatever their prefix: content:encoded (RSS 1.0 Content),
 * dc:creator/date/subject/language (Dublin Core), media:* (Media RSS), itunes:* (Apple Podcasts),
 * atom:link (RFC 4287 §4.2.7 inside RSS), feedburner:origLink.
 *
 * Field choices:
 * - url: feedburner:origLink, else `link`, else atom:link rel=alternate, else the guid when it
 *   is an absolute http(s) URL and not isPermaLink="false", or any guid (resolved against the
 *   base) marked isPermaLink="true" (RSS 2.0 "guid");
 * - summary: `description` as given; when the item has no content:encoded and its description
 *   is HTML, the description becomes contentHtml and the summary its text (cut to 500 chars);
 * - published: pubDate (RFC 822), else dc:date / dcterms:issued|created (ISO 8601), else
 *   atom:published|updated; updated: atom:updated, dcterms:modified;
 * - authors: author ("email (Name)" → Name, or an Atom-style `<name>` child), dc:creator,
 *   itunes:author; else the channel's dc:creator / itunes:author;
 * - categories: category, dc:subject, itunes:keywords (split at commas), itunes:category
 *   (nested levels too), media:category (common.ts `readSubjects`);
 * - podcast: itunes:duration, explicit, episode, image (common.ts `readPodcast`).
 */
import { ItemLists, type MediaInfo, atomPerson, hasContent, httpUrl, languageTag, lineText, makeItem, personFromRss, pickImage, readMedia, readPodcast, readSubjects } from "./common";
import { parseFeedDate } from "./dates";
import { cdataToHtml, htmlToText, looksLikeHtml, truncateText } from "./text";
import type { ParsedFeed, UpstreamFormat, UpstreamItem, UpstreamPerson } from "./types";
import { NS, type XmlElement, attr, elementsWithin, firstChild, firstText, textOf } from "./xml";

/** Derived summaries stay summaries. */
export const SUMMARY_MAX = 500;

function atomLinkOf(el: XmlElement, rel: string): string | undefined {
  for (const c of el.children) {
    if (c.ns === NS.atom && c.name === "link" && (attr(c, "rel") ?? "alternate") === rel) {
      const href = httpUrl(attr(c, "href"), c.base);
      if (href) return href;
    }
  }
  return undefined;
}

function firstUrl(el: XmlElement, core: ReadonlySet<string>, name: string): string | undefined {
  for (const c of el.children) {
    if (c.name === name && core.has(c.ns)) {
      const href = httpUrl(textOf(c) || attr(c, "href"), c.base);
      if (href) return href;
    }
  }
  return undefined;
}

/** dc:creator / itunes:author: a name, possibly with markup or an address around it. */
function person(text: string): UpstreamPerson | undefined {
  const name = lineText(text, "maybe");
  return name === undefined ? undefined : personFromRss(name);
}

function channelAuthors(channel: XmlElement | undefined): string[] {
  const names: string[] = [];
  if (!channel) return names;
  for (const c of channel.children) {
    if ((c.ns === NS.dc && c.name === "creator") || (c.ns === NS.itunes && c.name === "author")) {
      const t = lineText(textOf(c), false);
      if (t) names.push(t);
    }
  }
  return names;
}

function readItem(item: XmlElement, core: ReadonlySet<string>, feedLanguage: string | undefined, fallbackAuthors: string[], rdf: boolean): UpstreamItem {
  const lists = new ItemLists();
  const media: MediaInfo = {};
  let guid: string | undefined;
  let guidIsUrl = false;
  let guidLink: string | undefined;
  let link: string | undefined;
  let origLink: string | undefined;
  let title: string | undefined;
  let description: string | undefined;
  let contentHtml: string | undefined;
  let published: string | undefined;
  let updated: string | undefined;
  let language: string | undefined;
  let itunesSummary: string | undefined;
  let itunesImage: string | undefined;
  let imageElement: string | undefined;
  let atomAlternate: string | undefined;
  let contentBase: string | undefined;

  for (const c of item.children) {
    const ns = c.ns;
    if (core.has(ns)) {
      switch (c.name) {
        case "title":
          title ??= lineText(textOf(c), "maybe");
          break;
        case "link":
          link ??= httpUrl(textOf(c) || attr(c, "href"), c.base);
          break;
        case "guid": {
          if (guid === undefined) {
            const g = textOf(c);
            if (g !== "") {
              guid = g;
              const permaLink = attr(c, "isPermaLink")?.trim().toLowerCase();
              guidIsUrl = permaLink !== "false";
              // A permalink said so explicitly may be relative: resolved like a link.
              if (permaLink === "true") guidLink = httpUrl(g, c.base);
            }
          }
          break;
        }
        case "description": {
          if (description === undefined) {
            const d = textOf(c);
            if (d !== "") {
              description = d;
              contentBase ??= c.base;
            }
          }
          break;
        }
        case "pubDate":
          published ??= parseFeedDate(textOf(c));
          break;
        case "author":
          // `<author><name>Jo</name><email>...</email></author>`, Atom-style, is seen too.
          if (c.children.length > 0) lists.author(atomPerson(c));
          else lists.author(personFromRss(lineText(textOf(c), "maybe") ?? ""));
          break;
        case "category":
          lists.category(lineText(textOf(c), "maybe"));
          break;
        case "enclosure":
          lists.enclosure(httpUrl(attr(c, "url"), c.base), attr(c, "type"), attr(c, "length"));
          break;
        case "language":
          language ??= languageTag(textOf(c));
          break;
        case "image":
          // Not RSS 2.0, but seen: <image>url</image> or <image><url>...</url></image> in items.
          imageElement ??= httpUrl(textOf(c) || textOf(firstChild(c, core, "url")), c.base);
          break;
      }
    } else if (ns === NS.content) {
      if (c.name === "encoded" && contentHtml === undefined) {
        const html = textOf(c);
        if (html !== "") {
          contentHtml = html;
          contentBase = c.base;
        }
      }
    } else if (ns === NS.dc) {
      switch (c.name) {
        case "creator":
          lists.author(person(textOf(c)));
          break;
        case "date":
          published ??= parseFeedDate(textOf(c));
          break;
        case "title":
          title ??= lineText(textOf(c), "maybe");
          break;
        case "description":
          if (description === undefined && textOf(c) !== "") description = textOf(c);
          break;
        case "language":
          language ??= languageTag(textOf(c));
          break;
        case "identifier":
          if (rdf && guid === undefined && textOf(c) !== "") guid = textOf(c);
          break;
      }
    } else if (ns === NS.dcterms) {
      if (c.name === "issued" || c.name === "created" || c.name === "date") published ??= parseFeedDate(textOf(c));
      else if (c.name === "modified") updated ??= parseFeedDate(textOf(c));
      else if (c.name === "creator") lists.author(person(textOf(c)));
    } else if (ns === NS.atom) {
      switch (c.name) {
        case "link": {
          const rel = attr(c, "rel") ?? "alternate";
          const href = httpUrl(attr(c, "href"), c.base);
          if (rel === "enclosure") lists.enclosure(href, attr(c, "type"), attr(c, "length"));
          else if (rel === "alternate") atomAlternate ??= href;
          break;
        }
        case "published":
          published ??= parseFeedDate(textOf(c));
          break;
        case "updated":
          updated ??= parseFeedDate(textOf(c));
          break;
        case "category":
          lists.category(attr(c, "label") ?? attr(c, "term") ?? textOf(c));
          break;
        case "author":
          lists.author(atomPerson(c));
          break;
      }
    } else if (ns === NS.itunes) {
      if (c.name === "author") lists.author(person(textOf(c)));
      else if (c.name === "summary" && itunesSummary === undefined && textOf(c) !== "") itunesSummary = textOf(c);
      else if (c.name === "image") itunesImage ??= httpUrl(attr(c, "href") ?? textOf(c), c.base);
    } else if (ns === NS.feedburner && c.name === "origLink") {
      origLink ??= httpUrl(textOf(c), c.base);
    } else if (ns === NS.xhtml && c.name === "body" && contentHtml === undefined && c.raw !== undefined) {
      contentHtml = cdataToHtml(c.raw).trim() || undefined;
    }
  }
  readMedia(item, lists, media);
  readSubjects(item, lists);
  if (lists.authors.length === 0) for (const name of fallbackAuthors) lists.author({ name });

  if (rdf) guid ??= attr(item, "about", NS.rdf);
  const guidUrl = guidLink ?? (guid !== undefined && guidIsUrl && !rdf && /^https?:\/\//i.test(guid) ? httpUrl(guid, undefined) : undefined);
  const url = origLink ?? link ?? atomAlternate ?? guidUrl ?? (rdf ? httpUrl(attr(item, "about", NS.rdf), item.base) : undefined);

  description ??= itunesSummary ?? media.description;
  let summary = description;
  if (contentHtml === undefined && description !== undefined && looksLikeHtml(description)) {
    contentHtml = description;
    summary = truncateText(htmlToText(description), SUMMARY_MAX);
  }

  return makeItem(
    {
      guid,
      url,
      title: title ?? lineText(media.title, "maybe"),
      summary,
      contentHtml,
      published: published ?? updated,
      updated,
      image: pickImage(media, lists, itunesImage, imageElement),
      language: language ?? languageTag(item.lang) ?? feedLanguage,
      baseUrl: contentBase ?? item.base,
      podcast: readPodcast(item),
    },
    lists,
  );
}

/** Reads an `<rss>` (2.0, 0.9x) or `<rdf:RDF>` (1.0) root. */
export function readRss(root: XmlElement, format: UpstreamFormat): ParsedFeed {
  const rdf = format === "rss1" || root.name === "RDF";
  // RSS elements have no namespace, except RSS 1.0 / 0.90 (and feeds that declare a default one).
  const core = new Set<string>([NS.none, root.scope.get("") ?? NS.none, NS.rss1, NS.rss090]);
  const channel = firstChild(root, core, "channel");

  const language =
    languageTag(firstText(channel, core, "language")) ??
    languageTag(firstText(channel, NS.dc, "language")) ??
    languageTag(channel?.lang) ??
    languageTag(root.lang);
  const fallbackAuthors = channelAuthors(channel);

  // Items: in the channel (RSS 0.9x/2.0), beside it (RSS 1.0), or both when feeds mix them up.
  // An element left unclosed before them nests the items in it: they are looked for inside too.
  const itemElements = elementsWithin(root, core, "item");
  const items: UpstreamItem[] = [];
  for (const el of itemElements) {
    const item = readItem(el, core, language, fallbackAuthors, rdf);
    if (hasContent(item)) items.push(item);
  }

  const imageEl = firstChild(channel, core, "image") ?? firstChild(root, core, "image");
  const image =
    httpUrl(textOf(firstChild(imageEl, core, "url")), imageEl?.base) ??
    (imageEl ? httpUrl(attr(imageEl, "resource", NS.rdf), imageEl.base) : undefined) ??
    (channel ? httpUrl(attr(firstChild(channel, NS.itunes, "image"), "href"), channel.base) : undefined);
  const description = lineText(firstText(channel, core, "description") ?? firstText(channel, NS.itunes, "summary"), "maybe");

  const feed: ParsedFeed = { format, items };
  const title = lineText(firstText(channel, core, "title") ?? firstText(channel, NS.dc, "title"), "maybe");
  if (title) feed.title = title;
  const link = channel ? (firstUrl(channel, core, "link") ?? atomLinkOf(channel, "alternate")) : undefined;
  if (link) feed.link = link;
  if (language) feed.language = language;
  if (description) feed.description = description;
  if (image) feed.image = image;
  const self = channel ? atomLinkOf(channel, "self") : undefined;
  if (self) feed.selfUrl = self;
  return feed;
}
