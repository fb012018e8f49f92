/**
 * Feed routes (docs/API.md, "Feeds"): public, no auth.
 *   GET /feeds/all.{rss,atom,json}
 *   GET /feeds/{type}/{slug}.{rss,atom,json}   ?limit= (1..200, default 50) &after= (paging cursor)
 *   GET /feeds/{type}/{slug}+{type}/{slug}[+{type}/{slug}].{rss,atom,json}   articles holding all the tags
 *   GET /feeds/{type}/{slug}/archive/{n}.{rss,atom,json}, /feeds/all/archive/{n}.{...}   RFC 5005 §4 archives
 * A non-canonical tag path (alias, other case, Cyrillic name, former slug; for a combination also
 * another order) answers 301 to the canonical one; an unknown tag or format 404. Conditional GET
 * answers 304. Any query parameter but `limit` and `after` answers 400 naming it.
 */
import { type Context, Hono } from "hono";
import { MAX_SLUG_LENGTH, TAG_SLUG_PATTERN, TAG_TYPE_PATTERN, type Tag } from "../domain/tag";
import type { AppEnv } from "../env";
import { MAX_COMBINED_TAGS } from "../feeds/combination";
import { serveArchive } from "../feeds/archive";
import { type ServedFeed, serveFeed } from "../feeds/serve-feed";
import { DEFAULT_LIMIT, MAX_LIMIT, FEED_FORMATS, type SiteUrls, combinationOrder, combinationPath } from "../feeds/urls";
import { httpDate, isNotModified } from "../http/conditional";
import { ApiError } from "../http/errors";
import type { FeedFormat } from "../render/feed-document";
import { ENTRY_CURSOR_PATTERN } from "../store/articles";
import { resolveTagPath } from "../feeds/tag-path";
import { loadTaxonomy } from "../store/taxonomy";
import { findTag, tagTypeLabel } from "../tags/resolve";
import { feedUrlsFor, urlsFor } from "./site";

export const feedRoutes = new Hono<AppEnv>();

/** Feed readers poll; a minute of freshness costs little and spares the Worker. */
const CACHE_CONTROL = "public, max-age=60";

feedRoutes.get("/:file", async (c) => {
  const file = c.req.param("file");
  if (!file.startsWith("all.")) throw notFound();
  return respond(c, undefined, parseFormat(file.slice("all.".length)));
});

feedRoutes.get("/:type/:file", async (c) => {
  const file = c.req.param("file");
  const dot = file.lastIndexOf(".");
  const format = parseFormat(dot < 0 ? "" : file.slice(dot + 1));
  const type = c.req.param("type");
  const segment = file.slice(0, dot);
  const { index } = await loadTaxonomy(c.env.KV);

  // The hot path costs no extra read: a taxonomy tag or a canonical-looking slug goes straight
  // to serveFeed, which tells an unknown tag by its missing feed version and tag record.
  const found = findTag(index, type, segment);
  if (found?.canonical && TAG_TYPE_PATTERN.test(type)) {
    return respond(c, found.tag, format, found.tag, tagTypeLabel(index, type));
  }
  // A slug longer than any slug can be is not looked up: it would make a KV key past 512 bytes.
  if (!found && TAG_TYPE_PATTERN.test(type) && segment.length <= MAX_SLUG_LENGTH && TAG_SLUG_PATTERN.test(segment)) {
    return respond(c, { type, slug: segment }, format, undefined, tagTypeLabel(index, type));
  }
  const resolved = await resolveTagPath(c.env.KV, index, type, segment);
  if (!resolved.ok) throw notFound();
  return redirect(c, resolved.value.tag, format);
});

// RFC 5005 §4 archives (feeds/archive.ts): 1 = oldest; the current feed links the newest.
feedRoutes.get("/all/archive/:file", async (c) => respondArchive(c, undefined));

feedRoutes.get("/:type/:slug/archive/:file", async (c) => {
  const type = c.req.param("type");
  const segment = c.req.param("slug");
  const { index } = await loadTaxonomy(c.env.KV);
  const found = findTag(index, type, segment);
  if (found?.canonical && TAG_TYPE_PATTERN.test(type)) return respondArchive(c, found.tag, found.tag, tagTypeLabel(index, type));
  if (!found && TAG_TYPE_PATTERN.test(type) && segment.length <= MAX_SLUG_LENGTH && TAG_SLUG_PATTERN.test(segment)) {
    return respondArchive(c, { type, slug: segment }, undefined, tagTypeLabel(index, type));
  }
  const resolved = await resolveTagPath(c.env.KV, index, type, segment);
  if (!resolved.ok) throw notFound();
  const { n, format } = parseArchiveFile(c.req.param("file"));
  return c.redirect(urlsFor(c).archives(resolved.value.tag, n)[format], 301);
});

/** Archives change only when one of their articles changes or leaves: readers may keep them a day. */
const ARCHIVE_CACHE_CONTROL = "public, max-age=86400";

function parseArchiveFile(file: string): { n: number; format: FeedFormat } {
  const match = /^([1-9]\d{0,6})\.([a-z]+)$/.exec(file);
  if (!match?.[1] || !match[2]) throw notFound("archives are /archive/{n}.rss, .atom or .json, n from 1");
  return { n: Number(match[1]), format: parseFormat(match[2]) };
}

async function respondArchive(c: Context<AppEnv>, tag: Pick<Tag, "type" | "slug"> | undefined, knownTag?: Tag, typeLabel?: string): Promise<Response> {
  const { n, format } = parseArchiveFile(c.req.param("file") ?? "");
  refuseUnknownQuery(c, new Set());
  // An archive is no WebSub topic (it hardly changes): it advertises no hub.
  const urls = feedUrlsFor(c, { combination: false, paged: true });
  const served = await serveArchive(c.env.KV, { tag, knownTag, typeLabel, n, format, urls });
  if (!served) throw notFound("no such archive of that feed");
  return answer(c, served, format, ARCHIVE_CACHE_CONTROL, urls, urls.archives(tag, n)[format]);
}

// Combination feeds: `{type}/{slug}` parts joined by `+`, so the path has three or four segments.
feedRoutes.get("/*", async (c) => {
  const path = new URL(c.req.url).pathname.replace(/^\/feeds\//, "");
  const dot = path.lastIndexOf(".");
  if (dot < 0 || !path.includes("+")) throw notFound();
  const format = parseFormat(path.slice(dot + 1));
  const parts = path.slice(0, dot).split("+");
  if (parts.length > MAX_COMBINED_TAGS) throw notFound(`a combination feed takes at most ${MAX_COMBINED_TAGS} tags`);
  const { index } = await loadTaxonomy(c.env.KV);
  const tags: Tag[] = [];
  for (const part of parts) {
    const [type, segment, ...rest] = part.split("/");
    if (type === undefined || segment === undefined || rest.length > 0 || segment === "") throw notFound();
    const decoded = decodeSegment(segment);
    const found = TAG_TYPE_PATTERN.test(type) ? findTag(index, type, decoded) : undefined;
    if (found) {
      tags.push(found.tag);
      continue;
    }
    const resolved = await resolveTagPath(c.env.KV, index, type, decoded);
    if (!resolved.ok) throw notFound(`no feed for the tag ${type}/${segment.slice(0, 100)}`);
    const tag = resolved.value.tag;
    tags.push({ type: tag.type, slug: tag.slug, name: ("name" in tag ? tag.name : undefined) ?? tag.slug });
  }
  const unique = combinationOrder([...new Map(tags.map((t) => [`${t.type}/${t.slug}`, t])).values()]);
  const [only] = unique;
  if (unique.length === 1 && only) return redirect(c, only, format);
  if (combinationPath(unique) !== path.slice(0, dot)) return redirectCombination(c, unique, format);
  return respond(c, undefined, format, undefined, undefined, unique);
});

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw notFound();
  }
}

function redirectCombination(c: Context<AppEnv>, tags: readonly Tag[], format: FeedFormat): Response {
  return c.redirect(`${urlsFor(c).feed(tags, format)}${new URL(c.req.url).search}`, 301);
}

function parseFormat(ext: string): FeedFormat {
  if (!(FEED_FORMATS as readonly string[]).includes(ext)) throw notFound("feeds come as .rss, .atom or .json");
  return ext as FeedFormat;
}

const notFound = (message = "no feed for that tag"): ApiError => new ApiError(404, "not_found", message);

function redirect(c: Context<AppEnv>, tag: Pick<Tag, "type" | "slug">, format: FeedFormat): Response {
  const url = new URL(c.req.url);
  return c.redirect(`${urlsFor(c).feed(tag, format)}${url.search}`, 301);
}

/** The query parameters a feed understands; anything else is refused rather than silently ignored. */
const FEED_QUERY_PARAMS = new Set(["limit", "after"]);

/** 400 naming every query parameter outside `allowed` (a `?q=` or `?tag=` must not get the unfiltered feed back). */
export function refuseUnknownQuery(c: Context<AppEnv>, allowed: ReadonlySet<string>, subject = "feeds"): void {
  const unknown = [...new Set(new URL(c.req.url).searchParams.keys())].filter((name) => !allowed.has(name)).map((name) => name.slice(0, 64));
  if (unknown.length === 0) return;
  const known = allowed.size === 0 ? "this feed takes no query parameters" : `${subject} take only ${[...allowed].join(", ")}`;
  throw new ApiError(
    400,
    "invalid_query",
    `unknown query parameter${unknown.length === 1 ? "" : "s"} ${unknown.join(", ")}: ${known}`,
    unknown.map((name) => ({ path: `query:${name}`, reason: `is not a parameter of ${subject}` })),
  );
}

function pagingQuery(c: Context<AppEnv>): { limit: number; after: string | undefined } {
  refuseUnknownQuery(c, FEED_QUERY_PARAMS);
  const rawLimit = c.req.query("limit");
  let limit = DEFAULT_LIMIT;
  if (rawLimit !== undefined) {
    if (!/^\d{1,6}$/.test(rawLimit) || Number(rawLimit) < 1) {
      throw new ApiError(400, "invalid_query", "limit must be a whole number from 1 to 200", [
        { path: "query:limit", reason: `must be a whole number from 1 to ${MAX_LIMIT}` },
      ]);
    }
    // Above the maximum is clamped rather than refused: a reader asking for more still gets a feed.
    limit = Math.min(Number(rawLimit), MAX_LIMIT);
  }
  const after = c.req.query("after");
  if (after !== undefined && !ENTRY_CURSOR_PATTERN.test(after)) {
    throw new ApiError(400, "invalid_query", "after must be a cursor taken from a feed's next link", [
      { path: "query:after", reason: "is not a paging cursor of this service" },
    ]);
  }
  return { limit, after };
}

/**
 * Browsers show application/rss+xml and application/atom+xml as plain text (Chromium) or offer a
 * download, so the XSL view (/feed.xsl) never applies. A request that asks for HTML and names no
 * feed type is a person opening the feed: the same bytes go out as application/xml, which
 * browsers style with the stylesheet. Feed readers name feed types (or only *\/*) and get the
 * contract's types.
 */
const BROWSER_XML_TYPE = "application/xml; charset=utf-8";
/**
 * The feed as a page (the XSL view): the stylesheet from this origin and its inline style; no
 * script, no plugin, no form, no framing, and nothing an item's content could load beyond images.
 * Chromium checks XSLT stylesheets against script-src.
 */
const XSL_VIEW_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src https: http: data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const FEED_MEDIA_TYPES = /application\/(rss|atom|rdf|feed)\+(xml|json)/i;

function isBrowserNavigation(accept: string | undefined): boolean {
  return accept !== undefined && /\btext\/html\b/i.test(accept) && !FEED_MEDIA_TYPES.test(accept);
}

async function respond(
  c: Context<AppEnv>,
  tag: Pick<Tag, "type" | "slug"> | undefined,
  format: FeedFormat,
  knownTag?: Tag,
  typeLabel?: string,
  combination?: readonly Tag[],
): Promise<Response> {
  const { limit, after } = pagingQuery(c);
  const urls = feedUrlsFor(c, { combination: combination !== undefined, paged: limit !== DEFAULT_LIMIT || after !== undefined });
  const served = await serveFeed(
    c.env.KV,
    { tag, knownTag, typeLabel, ...(combination && { combination }), format, limit, after, urls },
    (work) => c.executionCtx.waitUntil(work),
  );
  if (!served) throw notFound();
  const self = urls.feed(combination ?? tag, format, { limit, ...(after !== undefined && { after }) });
  return answer(c, served, format, CACHE_CONTROL, urls, self);
}

/** The response for a served feed document: conditional GET, the browser's XSL view, WebSub Link headers. */
function answer(c: Context<AppEnv>, served: ServedFeed, format: FeedFormat, cacheControl: string, urls: SiteUrls, self: string): Response {
  // WebSub §4: the topic (this feed's canonical URL) and its hubs, in Link headers as in the feed.
  const link: Record<string, string> = urls.hubs.length === 0 ? {} : { link: [...urls.hubs.map((hub) => `<${hub}>; rel="hub"`), `<${self}>; rel="self"`].join(", ") };
  const xslView = format !== "json" && isBrowserNavigation(c.req.header("accept"));
  const headers = {
    ...link,
    "content-type": xslView ? BROWSER_XML_TYPE : served.contentType,
    ...(xslView && { "content-security-policy": XSL_VIEW_CSP }),
    vary: "Accept",
    etag: served.etag,
    "last-modified": httpDate(served.lastModified),
    "cache-control": cacheControl,
    "access-control-allow-origin": "*",
    "x-content-type-options": "nosniff",
    "x-tagfeed-layer": served.layer,
  };
  if (isNotModified(c.req.raw.headers, served.etag, served.lastModified)) {
    return c.body(null, 304, headers);
  }
  return c.body(served.body, 200, headers);
}

