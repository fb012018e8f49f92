/**
 * The operator's console at /admin (README, "Console"): sign-in with the admin token, then
 * sources, tags and articles. Routes validate, call, answer: reads come from the store, every
 * change goes through the bearer-token admin API in-process (admin/api.ts).
 *
 * Sessions (admin/session.ts): a signed, expiring `tagfeed_admin` cookie (HttpOnly, SameSite=Strict,
 * Secure over https, Path=/admin). Without a valid one, pages redirect to the sign-in form and
 * form actions answer 403. Every POST also needs the session's CSRF token (a hidden field) and,
 * when the browser sends one, an Origin (or Sec-Fetch-Site) of this site; else 403.
 *
 *   GET  /admin                          sign-in form (signed in: to /admin/sources)
 *   POST /admin/sign-in, /admin/sign-out
 *   GET  /admin/sources                  table; POST adds one
 *   GET  /admin/sources/{id}             edit form; POST saves (PATCH), /delete, /refresh
 *   POST /admin/sources/import           OPML import with the per-outline report
 *   GET  /admin/sources.opml             OPML export
 *   GET  /admin/tags[?page=]             counts, newest, 30-day sparkline
 *   GET  /admin/tags/{type}/{slug}       rename, alias, merge (POST …/rename, …/alias, …/merge)
 *   GET  /admin/articles[?q=]            find; GET /admin/articles/{id}; POST …/delete
 *   GET  /admin/app.js                   the progressive-enhancement script
 */
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Child } from "hono/jsx";
import { secureHeaders } from "hono/secure-headers";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ARTICLE_ID_PATTERN, type Article, isHttpUrl } from "../domain/article";
import { SOURCE_ID_PATTERN, type Source } from "../domain/source";
import { TAG_SLUG_PATTERN, TAG_TYPE_PATTERN, type Tag, type TagInput } from "../domain/tag";
import type { AppEnv } from "../env";
import { cleanArticleUrl, deriveArticleId } from "../ingest/ids";
import { writeRateLimit } from "../http/rate-limit";
import { checkBearer } from "../ingest/webhook-auth";
import { htmlDocument } from "../pages/layout";
import { displayTimeZone } from "../routes/pages";
import { getArticle, listFeedEntries, resolveEntries } from "../store/articles";
import { ALL_FEED, tagFeedKey } from "../store/keys";
import { getSource, listSources } from "../store/sources";
import { tagActivity } from "../store/tag-activity";
import { getTagRecord, listTagRecords } from "../store/tags";
import { loadTaxonomy } from "../store/taxonomy";
import { findEntry } from "../tags/merge";
import { findTag } from "../tags/resolve";
import { type ApiAnswer, apiErrors, callApi } from "./api";
import { CONSOLE_SCRIPT } from "./script";
import { SESSION_COOKIE, SESSION_TTL_SECONDS, type Session, checkCsrf, csrfToken, issueSession, sessionKey, verifySession } from "./session";
import {
  ArticleAdminPage,
  ArticlesPage,
  type ConsoleFrame,
  OpmlReport,
  type OpmlReportLine,
  RefusedPage,
  SignInPage,
  SourceEditPage,
  SourcesPage,
  TagManagePage,
  type TagRow,
  TagsPage,
} from "./views";

type Vars = { session: Session; frame: ConsoleFrame };
type AdminEnv = AppEnv & { Variables: Vars };
type AdminContext = Context<AdminEnv>;

export const adminRoutes = new Hono<AdminEnv>();

/** Tags per page of /admin/tags: each costs one KV list. */
const TAGS_PER_PAGE = 50;
/** Articles a title search looks through (newest first): 1 list + 2 bulk reads. */
const SEARCH_NEWEST = 200;

/** No inline script (the one script is /admin/app.js), forms only to this site, never framed. */
adminRoutes.use(
  "*",
  secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'unsafe-inline'"],
      imgSrc: ["'self'", "data:"],
      connectSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
    },
    xFrameOptions: "DENY",
    referrerPolicy: "same-origin",
  }),
);
adminRoutes.use("*", async (c, next) => {
  await next();
  c.header("cache-control", "no-store");
});

adminRoutes.get("/app.js", (c) => c.body(CONSOLE_SCRIPT, 200, { "content-type": "text/javascript; charset=utf-8" }));

const isHttps = (c: Context<AdminEnv>): boolean => new URL(c.req.url).protocol === "https:";

function html(c: Context<AdminEnv>, page: Child, status: ContentfulStatusCode = 200) {
  return c.html(htmlDocument(page), status);
}

/** The request came from a page of this site (Origin, else Sec-Fetch-Site); a client that sends neither relies on the CSRF token alone. */
function sameOrigin(c: Context<AdminEnv>): boolean {
  const origin = c.req.header("origin");
  if (origin !== undefined) return origin === new URL(c.req.url).origin || (c.env.PUBLIC_ORIGIN !== "" && origin === new URL(c.env.PUBLIC_ORIGIN).origin);
  const site = c.req.header("sec-fetch-site");
  return site === undefined || site === "same-origin" || site === "none";
}

/** A path inside the console to go to after signing in; anything else is the sources page. */
const safeNext = (next: unknown): string => (typeof next === "string" && /^\/admin(?:\/[^\s\\]*)?$/.test(next) && !next.startsWith("//") ? next : "/admin/sources");

async function currentSession(c: Context<AdminEnv>): Promise<Session | undefined> {
  if (!c.env.ADMIN_TOKEN) return undefined;
  const verified = await verifySession(await sessionKey(c.env.ADMIN_TOKEN), getCookie(c, SESSION_COOKIE), Math.floor(Date.now() / 1000));
  return verified.ok ? verified.value : undefined;
}

adminRoutes.get("/", async (c) => {
  if (await currentSession(c)) return c.redirect("/admin/sources", 303);
  return html(c, <SignInPage next={safeNext(c.req.query("next"))} error={c.env.ADMIN_TOKEN ? undefined : "No ADMIN_TOKEN is configured on this server: the console is off."} />);
});

// Rate-limited per client like the API's writes, so the token cannot be guessed at speed.
adminRoutes.post("/sign-in", writeRateLimit, async (c) => {
  if (!sameOrigin(c)) return html(c, <RefusedPage message="This form may only be sent from this site." />, 403);
  const form = await c.req.parseBody();
  const token = typeof form.token === "string" ? form.token.trim() : "";
  const next = safeNext(form.next);
  const checked = token === "" ? undefined : await checkBearer(`Bearer ${token}`, c.env.ADMIN_TOKEN || undefined);
  if (!checked?.ok) return html(c, <SignInPage next={next} error="That is not the admin token." />, 401);
  const { value } = await issueSession(await sessionKey(c.env.ADMIN_TOKEN), Math.floor(Date.now() / 1000));
  setCookie(c, SESSION_COOKIE, value, { path: "/admin", httpOnly: true, secure: isHttps(c), sameSite: "Strict", maxAge: SESSION_TTL_SECONDS });
  return c.redirect(next, 303);
});

/** Everything below needs a session; POSTs also the CSRF token and a same-site origin. */
const requireSession: MiddlewareHandler<AdminEnv> = async (c, next) => {
  const session = await currentSession(c);
  const isRead = c.req.method === "GET" || c.req.method === "HEAD";
  if (!session) {
    if (isRead) return c.redirect(`/admin?next=${encodeURIComponent(new URL(c.req.url).pathname)}`, 303);
    return refuse(c, "You are not signed in (or the session expired). Nothing was changed.");
  }
  const key = await sessionKey(c.env.ADMIN_TOKEN);
  if (!isRead) {
    if (!sameOrigin(c)) return refuse(c, "This form may only be sent from this site. Nothing was changed.");
    const form = await c.req.parseBody();
    if (!(await checkCsrf(key, session, typeof form.csrf === "string" ? form.csrf : undefined))) {
      return refuse(c, "The form's security token is missing or wrong (reload the page and try again). Nothing was changed.");
    }
  }
  c.set("session", session);
  c.set("frame", { csrf: await csrfToken(key, session), dates: { locale: "en-GB", timeZone: displayTimeZone(c.env) } });
  await next();
};

function refuse(c: Context<AdminEnv>, message: string) {
  if (wantsJson(c)) return c.json({ error: { status: 403, code: "forbidden", message } }, 403);
  return html(c, <RefusedPage message={message} />, 403);
}

const wantsJson = (c: Context<AdminEnv>): boolean => (c.req.header("accept") ?? "").includes("application/json");

adminRoutes.use("/sign-out", requireSession);
adminRoutes.use("/sources", requireSession);
adminRoutes.use("/sources/*", requireSession);
adminRoutes.use("/sources.opml", requireSession);
adminRoutes.use("/tags", requireSession);
adminRoutes.use("/tags/*", requireSession);
adminRoutes.use("/articles", requireSession);
adminRoutes.use("/articles/*", requireSession);

adminRoutes.post("/sign-out", (c) => {
  deleteCookie(c, SESSION_COOKIE, { path: "/admin", secure: isHttps(c) });
  return c.redirect("/admin", 303);
});

// ---- sources ---------------------------------------------------------------------------------

async function sourcesPage(c: AdminContext, extra: { notice?: string[]; bad?: boolean; report?: Child } = {}, status: ContentfulStatusCode = 200) {
  const { sources } = await listSources(c.env.KV);
  return html(c, <SourcesPage frame={c.var.frame} sources={sources} nowMs={Date.now()} {...extra} />, status);
}

const field = (form: Record<string, unknown>, name: string): string => (typeof form[name] === "string" ? (form[name] as string).trim() : "");

/** `a, city: Алматы` → ["a", {type: "city", name: "Алматы"}]. */
function tagsField(text: string): TagInput[] {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .map((part) => {
      const m = /^([a-z][a-z0-9_-]{0,31})\s*:\s*(.+)$/.exec(part);
      return m?.[1] && m[2] ? { type: m[1], name: m[2].trim() } : part;
    });
}

/** A number field as a number (the API names it when it is not a valid one). */
const numberField = (text: string): number | string => (text !== "" && Number.isFinite(Number(text)) ? Number(text) : text);

adminRoutes.get("/sources", (c) => sourcesPage(c));

adminRoutes.post("/sources", async (c) => {
  const form = await c.req.parseBody();
  const name = field(form, "name");
  const answer = await callApi(c, "POST", "/api/sources", {
    json: {
      url: field(form, "url"),
      ...(name !== "" && { name }),
      tags: tagsField(field(form, "tags")),
      interval_minutes: numberField(field(form, "interval_minutes") || "30"),
      autotag: form.autotag === "on",
    },
  });
  if (answer.status >= 300) return sourcesPage(c, { notice: ["The source was not added:", ...apiErrors(answer)], bad: true }, 400);
  const source = answer.body as Source;
  return sourcesPage(c, { notice: [answer.status === 201 ? `Added ${source.name}: it is due for its first refresh now.` : `${source.name} was already a source; nothing changed.`] });
});

adminRoutes.get("/sources.opml", async (c) => {
  const answer = await callApi(c, "GET", "/api/sources/opml");
  return c.body(answer.text, answer.status as ContentfulStatusCode, {
    "content-type": "text/x-opml; charset=utf-8",
    "content-disposition": 'attachment; filename="tagfeed-sources.opml"',
  });
});

adminRoutes.post("/sources/import", async (c) => {
  const form = await c.req.parseBody();
  const file = form.file;
  const text = file instanceof File && file.size > 0 ? await file.text() : field(form, "opml");
  if (text === "") return sourcesPage(c, { notice: ["Choose an OPML file or paste one."], bad: true }, 400);
  const answer = await callApi(c, "POST", "/api/sources/opml", { text, type: "text/x-opml" });
  if (answer.status >= 300) return sourcesPage(c, { notice: ["Nothing was imported:", ...apiErrors(answer)], bad: true }, 400);
  const report = answer.body as { created: number; existing: number; invalid: number; outlines: OpmlReportLine[] };
  return sourcesPage(c, {
    notice: [`Imported: ${report.created} created, ${report.existing} already sources, ${report.invalid} invalid.`],
    bad: report.invalid > 0 && report.created === 0,
    report: <OpmlReport lines={report.outlines} />,
  });
});

async function foundSource(c: AdminContext): Promise<Source | undefined> {
  const id = c.req.param("id") ?? "";
  return SOURCE_ID_PATTERN.test(id) ? ((await getSource(c.env.KV, id)) ?? undefined) : undefined;
}

adminRoutes.get("/sources/:id", async (c) => {
  const source = await foundSource(c);
  if (!source) return sourcesPage(c, { notice: ["No such source."], bad: true }, 404);
  return html(c, <SourceEditPage frame={c.var.frame} source={source} />);
});

adminRoutes.post("/sources/:id", async (c) => {
  const source = await foundSource(c);
  if (!source) return sourcesPage(c, { notice: ["No such source."], bad: true }, 404);
  const form = await c.req.parseBody();
  const types = field(form, "autotag_types")
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t !== "");
  const answer = await callApi(c, "PATCH", `/api/sources/${source.id}`, {
    json: {
      name: field(form, "name"),
      tags: tagsField(field(form, "tags")),
      interval_minutes: numberField(field(form, "interval_minutes")),
      autotag: form.autotag === "on",
      autotag_types: types.length === 0 ? null : types,
    },
  });
  if (answer.status >= 300) return html(c, <SourceEditPage frame={c.var.frame} source={source} notice={["Not saved:", ...apiErrors(answer)]} bad />, 400);
  return html(c, <SourceEditPage frame={c.var.frame} source={answer.body as Source} notice={["Saved. The refresh state is kept."]} />);
});

adminRoutes.post("/sources/:id/delete", async (c) => {
  const id = c.req.param("id");
  const answer = await callApi(c, "DELETE", `/api/sources/${encodeURIComponent(id)}`);
  if (answer.status >= 300) return sourcesPage(c, { notice: ["Not deleted:", ...apiErrors(answer)], bad: true }, 404);
  return sourcesPage(c, { notice: [`Deleted source ${id}; its articles stay.`] });
});

adminRoutes.post("/sources/:id/refresh", async (c) => {
  const id = c.req.param("id");
  const answer = await callApi(c, "POST", `/api/sources/${encodeURIComponent(id)}/refresh`);
  if (answer.status >= 300) return sourcesPage(c, { notice: ["Not refreshed:", ...apiErrors(answer)], bad: true }, answer.status === 404 ? 404 : 502);
  const { source, refresh } = answer.body as { source: Source | null; refresh: { outcome: string; status: number | string; error?: string; items: number; counts: { created: number; updated: number; unchanged: number; invalid: number; deferred: number } } };
  const name = source?.name ?? id;
  const failed = refresh.outcome === "failed";
  return sourcesPage(c, {
    notice: failed
      ? [`Refresh of ${name} failed (${refresh.status}): ${refresh.error ?? "no reason given"}`]
      : [
          `Refreshed ${name}: ${refresh.outcome === "not_modified" ? "not modified (304)" : `${refresh.status}, ${refresh.items} items`}.`,
          `${refresh.counts.created} created, ${refresh.counts.updated} updated, ${refresh.counts.unchanged} unchanged, ${refresh.counts.invalid} invalid, ${refresh.counts.deferred} deferred`,
        ],
    bad: failed,
  });
});

// ---- tags ------------------------------------------------------------------------------------

adminRoutes.get("/tags", async (c) => {
  const [records, { index }] = await Promise.all([listTagRecords(c.env.KV), loadTaxonomy(c.env.KV)]);
  const pages = Math.max(1, Math.ceil(records.length / TAGS_PER_PAGE));
  const page = Math.min(pages, Math.max(1, Number.parseInt(c.req.query("page") ?? "1", 10) || 1));
  const slice = records.slice((page - 1) * TAGS_PER_PAGE, page * TAGS_PER_PAGE);
  const nowMs = Date.now();
  const rows: TagRow[] = await Promise.all(
    slice.map(async (record) => {
      const activity = await tagActivity(c.env.KV, tagFeedKey(record), { nowMs, days: 30 });
      const name = findTag(index, record.type, record.slug)?.tag.name ?? record.name;
      return {
        tag: { type: record.type, slug: record.slug, name },
        count: activity.count,
        capped: activity.capped,
        newest: activity.newest === null ? null : new Date(activity.newest).toISOString(),
        daily: activity.daily,
      };
    }),
  );
  return html(c, <TagsPage frame={c.var.frame} rows={rows} page={page} pages={pages} total={records.length} />);
});

/** The tag of the path: the taxonomy's entry, else its record; with its aliases (undefined: no entry). */
async function tagOfPath(c: AdminContext): Promise<{ tag: Tag; aliases: string[] | undefined } | undefined> {
  const type = c.req.param("type") ?? "";
  const slug = c.req.param("slug") ?? "";
  if (!TAG_TYPE_PATTERN.test(type) || !TAG_SLUG_PATTERN.test(slug)) return undefined;
  const { taxonomy } = await loadTaxonomy(c.env.KV, { maxAgeMs: 0 });
  const entry = taxonomy.entries[findEntry(taxonomy, type, slug)];
  if (entry) return { tag: { type, slug, name: entry.name }, aliases: entry.aliases };
  const record = await getTagRecord(c.env.KV, type, slug);
  return { tag: { type, slug, name: record?.name ?? slug }, aliases: undefined };
}

async function tagPage(c: AdminContext, extra: { notice?: string[]; bad?: boolean; merge?: { moved: number; remaining: number; done: boolean; into: string } } = {}, status: ContentfulStatusCode = 200) {
  const found = await tagOfPath(c);
  if (!found) return html(c, <RefusedPage message="No such tag." />, 404);
  const activity = await tagActivity(c.env.KV, tagFeedKey(found.tag), { nowMs: Date.now(), days: 1 });
  return html(c, <TagManagePage frame={c.var.frame} tag={found.tag} aliases={found.aliases} count={activity.count} {...extra} />, status);
}

adminRoutes.get("/tags/:type/:slug", (c) => tagPage(c));

/** Rename and alias edit the taxonomy entry, creating one for a tag that only has a record. */
async function editEntry(c: AdminContext, change: (current: { tag: Tag; aliases: string[] | undefined }) => { name?: string; aliases?: string[] }): Promise<ApiAnswer | undefined> {
  const found = await tagOfPath(c);
  if (!found) return undefined;
  const { tag } = found;
  const patch = change(found);
  if (found.aliases !== undefined) return callApi(c, "PUT", `/api/taxonomy/entries/${tag.type}/${tag.slug}`, { json: patch });
  return callApi(c, "POST", "/api/taxonomy/entries", { json: { type: tag.type, slug: tag.slug, name: patch.name ?? tag.name, aliases: patch.aliases ?? [] } });
}

adminRoutes.post("/tags/:type/:slug/rename", async (c) => {
  const name = field(await c.req.parseBody(), "name");
  const answer = await editEntry(c, () => ({ name }));
  if (!answer) return html(c, <RefusedPage message="No such tag." />, 404);
  if (answer.status >= 300) return tagPage(c, { notice: ["Not renamed:", ...apiErrors(answer)], bad: true }, 400);
  return tagPage(c, { notice: [`Renamed to ${name}.`] });
});

adminRoutes.post("/tags/:type/:slug/alias", async (c) => {
  const alias = field(await c.req.parseBody(), "alias");
  const answer = await editEntry(c, (current) => ({ aliases: [...(current.aliases ?? []), alias] }));
  if (!answer) return html(c, <RefusedPage message="No such tag." />, 404);
  if (answer.status >= 300) return tagPage(c, { notice: ["Alias not added:", ...apiErrors(answer)], bad: true }, 400);
  return tagPage(c, { notice: [`Added the alias ${alias}.`] });
});

/**
 * One step of a merge (up to 200 articles, the API's own). The script asks for JSON and calls
 * again until done; without script the page shows the progress and a button to continue.
 */
adminRoutes.post("/tags/:type/:slug/merge", async (c) => {
  const type = c.req.param("type");
  const slug = c.req.param("slug");
  const into = field(await c.req.parseBody(), "into");
  const target = /^([^/\s]+)\/([^/\s]+)$/.exec(into);
  const answer = target
    ? await callApi(c, "POST", "/api/tags/merge", { json: { from: { type, slug }, into: { type: target[1], slug: target[2] } } })
    : undefined;
  if (wantsJson(c)) {
    if (!answer) return c.json({ error: { status: 400, code: "invalid_fields", message: "into: must be type/slug" } }, 400);
    return c.json(answer.body as object, answer.status as ContentfulStatusCode);
  }
  if (!answer) return tagPage(c, { notice: ["Not merged:", "into: must be type/slug, such as city/almaty"], bad: true }, 400);
  if (answer.status >= 300) return tagPage(c, { notice: ["Not merged:", ...apiErrors(answer)], bad: true }, 400);
  const progress = answer.body as { moved: number; remaining: number; done: boolean };
  return tagPage(c, { merge: { ...progress, into } });
});

// ---- articles --------------------------------------------------------------------------------

async function findArticles(kv: KVNamespace, query: string): Promise<Article[]> {
  const direct: string[] = [];
  if (ARTICLE_ID_PATTERN.test(query)) direct.push(query);
  if (isHttpUrl(query)) direct.push(await deriveArticleId(cleanArticleUrl(query)));
  const byId = (await Promise.all(direct.map((id) => getArticle(kv, id)))).filter((a): a is Article => a !== null);
  const { entries } = await listFeedEntries(kv, ALL_FEED, { limit: SEARCH_NEWEST });
  const { articles } = await resolveEntries(kv, entries);
  const words = query.toLowerCase().split(/\s+/).filter((w) => w !== "");
  const matches = articles.filter((a) => {
    const title = a.title.toLowerCase();
    return (a.url !== undefined && a.url.includes(query)) || words.every((w) => title.includes(w));
  });
  const seen = new Set<string>();
  return [...byId, ...matches].filter((a) => (seen.has(a.id) ? false : (seen.add(a.id), true)));
}

adminRoutes.get("/articles", async (c) => {
  const query = (c.req.query("q") ?? "").trim().slice(0, 500);
  const results = query === "" ? undefined : await findArticles(c.env.KV, query);
  return html(c, <ArticlesPage frame={c.var.frame} query={query} results={results} searched={SEARCH_NEWEST} />);
});

/** Where an article came from: each source it lists, matched against the configured sources (an unmatched one was a webhook's). */
async function originsOf(kv: KVNamespace, article: Article): Promise<string[]> {
  if (article.sources.length === 0) return ["webhook (no source named)"];
  const { sources } = await listSources(kv);
  const byUrl = new Map(sources.flatMap((s) => [[s.url, s] as const, ...(s.final_url ? [[s.final_url, s] as const] : [])]));
  return article.sources.map((ref) => {
    const source = ref.url === undefined ? undefined : byUrl.get(ref.url);
    return source ? `upstream source ${source.name} (${source.id})` : `webhook, naming ${ref.name}${ref.url ? ` (${ref.url})` : ""}`;
  });
}

adminRoutes.get("/articles/:id", async (c) => {
  const id = c.req.param("id");
  const article = ARTICLE_ID_PATTERN.test(id) ? await getArticle(c.env.KV, id) : null;
  const origins = article ? await originsOf(c.env.KV, article) : [];
  return html(c, <ArticleAdminPage frame={c.var.frame} id={id} article={article} origins={origins} />, article ? 200 : 404);
});

adminRoutes.post("/articles/:id/delete", async (c) => {
  const id = c.req.param("id");
  const answer = await callApi(c, "DELETE", `/api/articles/${encodeURIComponent(id)}`);
  if (answer.status >= 300) return html(c, <ArticleAdminPage frame={c.var.frame} id={id} article={null} origins={[]} />, 404);
  return html(c, <ArticleAdminPage frame={c.var.frame} id={id} article={null} origins={[]} deleted />);
});
