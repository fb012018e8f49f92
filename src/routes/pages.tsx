/**
 * HTML pages, server-rendered with Hono's JSX (views in src/pages/): small, readable, no client
 * framework and no script at all.
 *   GET /                      the tag directory, grouped by type, with subscribe links
 *   GET /tags/{type}           the tags of one type (the category `domain`/`scheme` feeds carry), `?page=` past 200
 *   GET /tags/{type}/{slug}    one tag: subscribe links, autodiscovery, its latest articles
 *   GET /articles/{id}         one article
 *   GET /feed.xsl              the XSLT that turns an RSS or Atom feed opened in a browser into a page
 *   GET /lang/{ru|kk|en}       the language switch: sets the `lang` cookie, back to `?back=`
 * A non-canonical tag path answers 301 to the canonical one, as the feed routes do; an unknown tag
 * or article answers a 404 page.
 *
 * Pages speak Russian, Kazakh or English (pages/i18n.ts): the `lang` cookie, else Accept-Language,
 * else DEFAULT_LANGUAGE; dates are shown in DISPLAY_TIME_ZONE with the offset, an article's own
 * dates at the offset its publisher wrote.
 */
import { type Context, Hono } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { etag } from "hono/etag";
import type { Child } from "hono/jsx";
import { secureHeaders } from "hono/secure-headers";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ARTICLE_ID_PATTERN } from "../domain/article";
import { TAG_TYPE_PATTERN, type Tag } from "../domain/tag";
import type { AppEnv } from "../env";
import { PAGE_TAGS, TYPE_PREVIEW, renderDirectory } from "../feeds/directory";
import { ArticlePage } from "../pages/article";
import { DirectoryPage, TagTypePage } from "../pages/directory";
import { ErrorPage } from "../pages/error";
import { FEED_XSL } from "../pages/feed-xsl";
import { htmlDocument } from "../pages/layout";
import { isTimeZone } from "../pages/format";
import { LANG_COOKIE, defaultLang, isLang, negotiateLang } from "../pages/i18n";
import { TagPage } from "../pages/tag";
import { type View, ViewContext, makeView } from "../pages/view";
import { resolveTagPath } from "../feeds/tag-path";
import { ENTRY_CURSOR_PATTERN, entryCursor, getArticle, listFeedEntries, resolveEntries } from "../store/articles";
import { tagFeedKey } from "../store/keys";
import { loadTaxonomy } from "../store/taxonomy";
import { tagTypeLabel, taxonomyTags } from "../tags/resolve";
import { urlsFor } from "./site";
import { answerDirectory } from "./tags";

export const pageRoutes = new Hono<AppEnv>();

/** Articles on one tag page. */
const TAG_PAGE_SIZE = 30;

/** Pages change when articles arrive; a minute of caching costs little. */
const PAGE_CACHE_CONTROL = "public, max-age=60";

/**
 * Pages are static HTML: no script may run (`script-src 'none'`), styles are the page's own inline
 * sheet, images and media may come from anywhere over http(s) (articles embed their sources'),
 * nothing may frame the page, rebase its URLs or submit a form from it.
 */
const secure = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'none'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", "https:", "http:", "data:"],
    mediaSrc: ["'self'", "https:", "http:"],
    objectSrc: ["'none'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
  },
  xFrameOptions: "DENY",
});

/** The display zone: DISPLAY_TIME_ZONE when Intl knows it, else UTC (and the log says why). */
export function displayTimeZone(env: Env): string {
  const zone = env.DISPLAY_TIME_ZONE?.trim() || "Asia/Almaty";
  if (isTimeZone(zone)) return zone;
  console.error(`configuration: DISPLAY_TIME_ZONE "${zone}" is not a time zone Intl knows; showing UTC`);
  return "UTC";
}

/** The view of this request: language negotiated, display zone, the switch's way back here (`back`: this page without the parameters it ignores). */
export function viewOf(c: Context<AppEnv>, back?: string): View {
  const lang = negotiateLang(c.req.header("accept-language"), getCookie(c, LANG_COOKIE), defaultLang(c.env.DEFAULT_LANGUAGE));
  const url = new URL(c.req.url);
  return makeView(lang, displayTimeZone(c.env), back ?? `${url.pathname}${url.search}`);
}

function page(c: Context<AppEnv>, body: (view: View) => Child, status: ContentfulStatusCode = 200): Response | Promise<Response> {
  if (status === 200) c.header("cache-control", PAGE_CACHE_CONTROL);
  // The language comes from these two headers: a cache must not hand one reader's page to another.
  c.header("vary", "Accept-Language, Cookie");
  const view = viewOf(c);
  c.header("content-language", view.lang);
  return c.html(htmlDocument(<ViewContext.Provider value={view}>{body(view)}</ViewContext.Provider>), status);
}

function notFoundPage(c: Context<AppEnv>, message: (view: View) => string): Response | Promise<Response> {
  return page(c, (view) => <ErrorPage urls={urlsFor(c)} title={view.t.notFound} message={message(view)} />, 404);
}

pageRoutes.get("/lang/:lang", (c) => {
  const lang = c.req.param("lang");
  if (!isLang(lang)) return c.json({ error: { status: 404, code: "not_found", message: "languages: ru, kk, en" } }, 404);
  const back = c.req.query("back") ?? "/";
  // Only a path on this site: never `//host` or a scheme, so the switch cannot be an open redirect.
  const target = /^\/(?![/\\])[^\s]*$/.test(back) ? back : "/";
  setCookie(c, LANG_COOKIE, lang, { path: "/", maxAge: 365 * 24 * 3600, sameSite: "Lax", secure: new URL(c.req.url).protocol === "https:" });
  c.header("cache-control", "no-store");
  return c.redirect(target, 303);
});

/** Headers of a cached directory page: the language comes from two headers, so a cache must not hand one reader's page to another. */
const directoryPageHeaders = (view: View) => ({ "content-type": "text/html; charset=UTF-8", vary: "Accept-Language, Cookie", "content-language": view.lang });

pageRoutes.get("/", secure, async (c) => {
  const urls = urlsFor(c);
  // `/` takes no parameters: `/?anything` is the same page, and the same cached rendering.
  const view = viewOf(c, "/");
  // The page is the same for every reader of one language: rendered once per directory document
  // (and origin, language, time zone), so a warm request costs one KV read and no rendering.
  const rendered = await renderDirectory(c.env.KV, urls, `page\n${view.lang}\n${view.dates.timeZone}`, async (directory) => {
    const paged = directory.total > PAGE_TAGS;
    const page = <DirectoryPage groups={directory.groups(paged ? TYPE_PREVIEW : undefined)} types={paged ? directory.types : undefined} urls={urls} />;
    return (await htmlDocument(<ViewContext.Provider value={view}>{page}</ViewContext.Provider>)).toString();
  });
  return answerDirectory(c, rendered, directoryPageHeaders(view));
});

/** `?page=` of a type's tags: 1 (the default) and up. */
const TYPE_PAGE_PATTERN = /^[1-9]\d{0,5}$/;

pageRoutes.get("/tags/:type", secure, async (c) => {
  const type = c.req.param("type");
  const lowerType = type.toLowerCase();
  if (!TAG_TYPE_PATTERN.test(lowerType)) return notFoundPage(c, (v) => v.t.noSuchTagType);
  const urls = urlsFor(c);
  if (type !== lowerType) return c.redirect(`${urls.tagType(lowerType)}${new URL(c.req.url).search}`, 301);
  const rawPage = c.req.query("page");
  if (rawPage !== undefined && !TYPE_PAGE_PATTERN.test(rawPage)) {
    return page(c, (v) => <ErrorPage urls={urls} title={v.t.badCursor} message={v.t.noSuchPage} />, 400);
  }
  const pageNo = Number(rawPage ?? "1");
  // Only `page` counts: any other parameter is the same page (and the same cached rendering).
  const view = viewOf(c, pageNo === 1 ? `/tags/${type}` : `/tags/${type}?page=${pageNo}`);
  const { index, etag } = await loadTaxonomy(c.env.KV);
  const rendered = await renderDirectory(c.env.KV, urls, `type\n${type}\n${pageNo}\n${view.lang}\n${view.dates.timeZone}\n${etag}`, async (directory) => {
    const count = directory.types.find((t) => t.type === type)?.count ?? 0;
    const pages = Math.max(1, Math.ceil(count / PAGE_TAGS));
    const html = async (body: Child) => (await htmlDocument(<ViewContext.Provider value={view}>{body}</ViewContext.Provider>)).toString();
    if ((count === 0 && taxonomyTags(index, type).length === 0) || pageNo > pages) {
      const message = count === 0 ? view.t.noSuchTagType : view.t.noSuchPage;
      return { status: 404 as const, body: await html(<ErrorPage urls={urls} title={view.t.notFound} message={message} />) };
    }
    const from = (pageNo - 1) * PAGE_TAGS;
    const group = directory.group(type, from, from + PAGE_TAGS);
    return html(<TagTypePage type={type} label={tagTypeLabel(index, type)} group={group} count={count} page={pageNo} pages={pages} urls={urls} />);
  });
  return answerDirectory(c, rendered, directoryPageHeaders(view));
});

pageRoutes.get("/tags/:type/:slug", secure, async (c) => {
  const urls = urlsFor(c);
  const { index } = await loadTaxonomy(c.env.KV);
  const resolved = await resolveTagPath(c.env.KV, index, c.req.param("type"), c.req.param("slug"));
  if (!resolved.ok) return notFoundPage(c, (v) => v.t.noSuchTag);
  const path = resolved.value;
  if (path.kind === "redirect") return c.redirect(`${urls.tagPage(path.tag)}${new URL(c.req.url).search}`, 301);

  const after = c.req.query("after");
  if (after !== undefined && !ENTRY_CURSOR_PATTERN.test(after)) {
    return page(c, (v) => <ErrorPage urls={urls} title={v.t.badCursor} message={v.t.badCursorMessage} />, 400);
  }
  const feed = tagFeedKey(path.tag);
  const { entries, more } = await listFeedEntries(c.env.KV, feed, { limit: TAG_PAGE_SIZE, after });
  const { articles } = await resolveEntries(c.env.KV, entries);
  const last = entries[entries.length - 1];
  const { type, slug } = path.tag;
  // The name is the taxonomy's or the tag record's; failing both, an article's copy of the tag.
  const name =
    path.tag.name ?? articles.flatMap((a) => a.tags).find((t) => t.type === type && t.slug === slug)?.name ?? slug;
  const tag: Tag = { type, slug, name };
  const pageUrl = urls.tagPage(tag);
  return page(c, () => (
    <TagPage
      tag={tag}
      typeLabel={tagTypeLabel(index, type)}
      articles={articles}
      older={more && last ? `${pageUrl}?after=${encodeURIComponent(entryCursor(feed, last))}` : undefined}
      newest={after === undefined ? undefined : pageUrl}
      urls={urls}
    />
  ));
});

pageRoutes.get("/articles/:id", secure, async (c) => {
  const id = c.req.param("id");
  const article = ARTICLE_ID_PATTERN.test(id) ? await getArticle(c.env.KV, id) : null;
  if (!article) return notFoundPage(c, (v) => v.t.noSuchArticle);
  return page(c, () => <ArticlePage article={article} urls={urlsFor(c)} />);
});

/**
 * The feeds' stylesheet. Browsers fetch it once per feed view; it only changes with a deploy,
 * so a day of caching, with an ETag for revalidation after that.
 */
pageRoutes.get("/feed.xsl", etag(), (c) =>
  c.body(FEED_XSL, 200, {
    "content-type": "text/xsl; charset=utf-8",
    "cache-control": "public, max-age=86400",
    "x-content-type-options": "nosniff",
  }),
);
