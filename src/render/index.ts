/**
 * The render module's entry: pick a format, get its body and content type (docs/API.md,
 * "Feeds": RSS 2.0, Atom 1.0, JSON Feed 1.1). Pure: routes build one FeedDocument and call
 * `renderFeed` for whichever format was asked.
 */

import { ATOM1_CONTENT_TYPE, renderAtom1 } from "./atom1";
import type { FeedDocument, FeedFormat, ItemFragmentCache } from "./feed-document";
import { JSON_FEED_CONTENT_TYPE, renderJsonFeed } from "./json-feed";
import { RSS2_CONTENT_TYPE, renderRss2 } from "./rss2";

export type { FeedCategory, FeedDocument, FeedFormat, FeedItem, FeedLinks, FeedPerson, FormatUrls, ItemFragmentCache } from "./feed-document";
export { articleUrn, compareNewestFirst, feedUrn } from "./feed-document";
export { renderAtom1 } from "./atom1";
export { renderJsonFeed } from "./json-feed";
export { renderRss2 } from "./rss2";

export const FEED_CONTENT_TYPES: Readonly<Record<FeedFormat, string>> = {
  rss: RSS2_CONTENT_TYPE,
  atom: ATOM1_CONTENT_TYPE,
  json: JSON_FEED_CONTENT_TYPE,
};

const RENDERERS: Readonly<Record<FeedFormat, (doc: FeedDocument, cache?: ItemFragmentCache) => string>> = {
  rss: renderRss2,
  atom: renderAtom1,
  json: renderJsonFeed,
};

/** `cache`: rendered items kept between renders (see ItemFragmentCache); output is identical with or without it. */
export function renderFeed(format: FeedFormat, doc: FeedDocument, cache?: ItemFragmentCache): { body: string; contentType: string } {
  return { body: RENDERERS[format](doc, cache), contentType: FEED_CONTENT_TYPES[format] };
}
