/**
 * OPML 2.0 (opml.org/spec2.opml) of every tag feed, grouped by tag type: a reader imports it to
 * subscribe to many tags at once. Pure and deterministic (no dateCreated: the list is the state).
 */
import type { Tag } from "../domain/tag";
import { escapeXmlAttr, escapeXmlText } from "../render/xml";
import type { SiteUrls } from "./urls";

export interface OpmlGroup {
  label: string;
  tags: readonly Tag[];
}

export function renderOpml(groups: readonly OpmlGroup[], urls: SiteUrls): string {
  const outline = (text: string, xmlUrl: string, htmlUrl: string, indent: string) =>
    `${indent}<outline type="rss" text="${escapeXmlAttr(text)}" title="${escapeXmlAttr(text)}" xmlUrl="${escapeXmlAttr(xmlUrl)}" htmlUrl="${escapeXmlAttr(htmlUrl)}"/>\n`;
  let body = outline("tagfeed: all articles", urls.feed(undefined, "rss"), urls.home, "    ");
  for (const group of groups) {
    body += `    <outline text="${escapeXmlAttr(group.label)}" title="${escapeXmlAttr(group.label)}">\n`;
    for (const tag of group.tags) body += outline(tag.name, urls.feed(tag, "rss"), urls.tagPage(tag), "      ");
    body += "    </outline>\n";
  }
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<opml version="2.0">\n' +
    "  <head>\n" +
    `    <title>${escapeXmlText("tagfeed: tag feeds")}</title>\n` +
    `    <docs>http://opml.org/spec2.opml</docs>\n` +
    "  </head>\n" +
    "  <body>\n" +
    body +
    "  </body>\n" +
    "</opml>\n"
  );
}
