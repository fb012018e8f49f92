/**
 * Upstream source routes (docs/API.md, "Sources"), all admin (`Authorization: Bearer <ADMIN_TOKEN>`):
 *   POST   /api/sources               add a feed: {url, name?, tags?, interval_minutes?, autotag?, autotag_types?}
 *                                     → 201 with the source; 200 with the existing one when its
 *                                     canonical URL is already a source (nothing changed: adding is
 *                                     idempotent, and OPML re-imports rely on it)
 *   GET    /api/sources               every source with its refresh state
 *   GET    /api/sources/{id}          one source
 *   PATCH  /api/sources/{id}          edit its settings {name?, tags?, interval_minutes?, autotag?,
 *                                     autotag_types? (null: the taxonomy's default)}; the refresh
 *                                     state (validators, failures, history) stays → the source
 *   GET    /api/sources/opml          every source as an OPML 2.0 subscription list
 *   DELETE /api/sources/{id}          remove it (its articles stay)
 *   POST   /api/sources/{id}/refresh  refresh now, whatever its schedule → {source, refresh}; 409 with
 *                                     Retry-After while another refresh holds its claim (store/claims.ts);
 *                                     a document an earlier refresh left unfinished is taken up
 *                                     where it stopped instead (`refresh.resumed`, no fetch); at
 *                                     most REFRESH_ITEMS_PER_PART new items, the rest continuing
 *                                     in the next cron tick (`refresh.continues`)
 *   POST   /api/sources/opml          import an OPML subscription list (text/x-opml, application/xml,
 *                                     text/xml) → counts {created, existing, invalid} and, per
 *                                     outline with an xmlUrl, {path, url, title, status, id | reason}
 * Refused URLs (scheme, credentials, private addresses unless ALLOW_PRIVATE_SOURCES=true) are a
 * 400 naming the `url` field, like every other invalid field.
 */
import { Hono } from "hono";
import { PARSE_REPORTING, joinPath, toFieldError } from "../domain/result";
import { SOURCE_ID_PATTERN, type Source, SourceInputSchema, SourcePatchSchema, applySourcePatch, newSource, sourceIdFor } from "../domain/source";
import { renderSourcesOpml } from "../admin/opml";
import type { AppEnv } from "../env";
import { parseJsonBody, readBodyLimited, requireJson } from "../http/body";
import { ApiError, invalidFields } from "../http/errors";
import { allowPrivateSources, refreshConfig } from "../refresh/config";
import { parseOpml } from "../refresh/opml";
import { refreshSource } from "../refresh/refresh-source";
import { pendingContinuation } from "../refresh/resume";
import { checkSourceUrl } from "../refresh/url-safety";
import { claimSources, releaseSourceClaims } from "../store/claims";
import { deleteSource, getSource, getSources, listSources, putClaimCopy, putSource } from "../store/sources";
import { loadTaxonomy } from "../store/taxonomy";
import { parseFeed } from "../upstream/parse";
import { writeRateLimit } from "../http/rate-limit";
import { requireAdmin } from "./auth";

export const sourceRoutes = new Hono<AppEnv>();

const JSON_BODY_MAX = 64 * 1024;
const OPML_BODY_MAX = 1024 * 1024;
/** Each new source is one KV write; the platform allows 1000 operations per request. */
const OPML_MAX_FEEDS = 500;
/** KV operations a refresh-now may spend on item writes (the request's budget is 1000). */
const REFRESH_NOW_WRITE_OPS = 800;

// Writes are rate-limited per client before auth, so a flood is cut off unread; reads are not.
sourceRoutes.use("*", (c, next) => (c.req.method === "GET" || c.req.method === "HEAD" ? next() : writeRateLimit(c, next)));
sourceRoutes.use("*", requireAdmin);

sourceRoutes.post("/", async (c) => {
  requireJson(c.req.raw);
  const body = parseJsonBody(await readBodyLimited(c.req.raw, JSON_BODY_MAX));
  const parsed = SourceInputSchema.safeParse(body, PARSE_REPORTING);
  if (!parsed.success) throw invalidFields(parsed.error.issues.map((issue) => toFieldError("", issue)));
  const url = checkSourceUrl(parsed.data.url, { allowPrivate: allowPrivateSources(c.env) });
  if (!url.ok) throw invalidFields([{ path: "url", reason: url.error.message }]);

  const id = await sourceIdFor(url.value.href);
  const existing = await getSource(c.env.KV, id);
  if (existing) return c.json(existing, 200);
  const source = newSource(id, url.value.href, parsed.data, new Date().toISOString());
  await putSource(c.env.KV, source);
  return c.json(source, 201, { Location: `/api/sources/${id}` });
});

sourceRoutes.get("/", async (c) => {
  const { sources } = await listSources(c.env.KV);
  return c.json({ sources });
});

sourceRoutes.post("/opml", async (c) => {
  requireOpml(c.req.raw);
  const bytes = await readBodyLimited(c.req.raw, OPML_BODY_MAX);
  const parsed = parseOpml(new TextDecoder("utf-8").decode(bytes));
  if (!parsed.ok) throw new ApiError(400, "invalid_opml", parsed.error.message, [{ path: "", reason: parsed.error.message }]);
  if (parsed.value.length > OPML_MAX_FEEDS) {
    throw new ApiError(400, "too_many_feeds", `at most ${OPML_MAX_FEEDS} feeds per import; split the file`, [
      { path: "body", reason: `holds ${parsed.value.length} feeds; at most ${OPML_MAX_FEEDS} per import` },
    ]);
  }

  const allowPrivate = allowPrivateSources(c.env);
  const nowIso = new Date().toISOString();
  const outlines: OpmlOutcome[] = [];
  const candidates = new Map<string, Source>();
  for (const feed of parsed.value) {
    const outline = { path: feed.path, url: redactCredentials(feed.url), ...(feed.title !== undefined && { title: feed.title }) };
    const input = SourceInputSchema.safeParse({ url: feed.url, ...(feed.title !== undefined && { name: feed.title.slice(0, 200) }) });
    if (!input.success) {
      outlines.push({ ...outline, status: "invalid", reason: input.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") });
      continue;
    }
    const url = checkSourceUrl(input.data.url, { allowPrivate });
    if (!url.ok) {
      outlines.push({ ...outline, status: "invalid", reason: url.error.message });
      continue;
    }
    const id = await sourceIdFor(url.value.href);
    if (!candidates.has(id)) candidates.set(id, newSource(id, url.value.href, input.data, nowIso));
    outlines.push({ ...outline, status: "created", id });
  }
  const stored = new Set((await getSources(c.env.KV, [...candidates.keys()])).map((s) => s.id));
  const fresh = [...candidates.values()].filter((s) => !stored.has(s.id));
  await Promise.all(fresh.map((source) => putSource(c.env.KV, source)));
  // An outline whose feed was already a source, or already named by an earlier outline of the file, is "existing".
  const claimed = new Set<string>();
  for (const outline of outlines) {
    if (outline.id === undefined) continue;
    if (stored.has(outline.id) || claimed.has(outline.id)) outline.status = "existing";
    claimed.add(outline.id);
  }
  const count = (status: OpmlOutcome["status"]) => outlines.filter((o) => o.status === status).length;
  return c.json({ created: count("created"), existing: count("existing"), invalid: count("invalid"), outlines }, fresh.length > 0 ? 201 : 200);
});

interface OpmlOutcome {
  path: string;
  url: string;
  title?: string;
  status: "created" | "existing" | "invalid";
  id?: string;
  reason?: string;
}

sourceRoutes.get("/opml", async (c) => {
  const { sources } = await listSources(c.env.KV);
  return c.body(renderSourcesOpml(sources), 200, {
    "content-type": "text/x-opml; charset=utf-8",
    "content-disposition": 'attachment; filename="tagfeed-sources.opml"',
    "cache-control": "no-store",
  });
});

sourceRoutes.get("/:id", async (c) => c.json(await found(c.env, c.req.param("id"))));

sourceRoutes.patch("/:id", async (c) => {
  requireJson(c.req.raw);
  const body = parseJsonBody(await readBodyLimited(c.req.raw, JSON_BODY_MAX));
  const parsed = SourcePatchSchema.safeParse(body, PARSE_REPORTING);
  if (!parsed.success) {
    throw invalidFields(
      parsed.error.issues.flatMap((issue) =>
        issue.code === "unrecognized_keys"
          ? issue.keys.map((key) => ({ path: joinPath("", [...issue.path, key]), reason: "is not a setting that can be changed (the URL and the refresh state are not editable)" }))
          : [toFieldError("", issue)],
      ),
    );
  }
  const source = await found(c.env, c.req.param("id"));
  // A refresh running now re-reads the record before saving its state (refresh-source.ts), so it keeps this edit.
  const next = applySourcePatch(source, parsed.data);
  await putSource(c.env.KV, next);
  return c.json(next);
});

sourceRoutes.delete("/:id", async (c) => {
  const id = validId(c.req.param("id"));
  if (!(await deleteSource(c.env.KV, id))) throw notFound();
  return c.json({ deleted: id });
});

sourceRoutes.post("/:id/refresh", async (c) => {
  const current = await found(c.env, c.req.param("id"));
  const nowMs = Date.now();
  const token = crypto.randomUUID();
  // One refresh at a time: a queued, in-tick or another manual refresh holding the claim refuses this one.
  const claims = await claimSources(c.env.ARTICLE_WRITER, [{ id: current.id, token }], nowMs);
  if (claims.errors.length > 0) throw new ApiError(503, "storage_unavailable", "the source could not be claimed; nothing was refreshed; retry shortly", undefined, { "retry-after": "5" });
  if (!claims.granted.has(current.id)) {
    const retryAfter = Math.max(1, Math.ceil(((claims.held.get(current.id) ?? nowMs) - nowMs) / 1000));
    c.header("retry-after", String(retryAfter));
    throw new ApiError(409, "refresh_in_progress", `this source is being refreshed; try again in ${retryAfter} seconds`);
  }
  try {
    // The claim's copy: the cron's list skips the source, and GET /api/sources shows the claim.
    const source = await putClaimCopy(c.env.KV, current, token, claims.untilMs);
    const { index, etag } = await loadTaxonomy(c.env.KV);
    // A document an earlier refresh could not finish is finished first (no fetch): fetching afresh
    // would drop its items that have left the feed since.
    const resume = await pendingContinuation(c.env.KV, source, nowMs);
    const config = refreshConfig(c.env);
    // Its own invocation, bounded like a tick's CPU: the rest of the document is stored as a part
    // the next tick takes up first (`refresh.continues`).
    const { source: after, report } = await refreshSource(
      { kv: c.env.KV, writers: c.env.ARTICLE_WRITER, fetch: (request) => fetch(request), parse: parseFeed, taxonomy: index, taxonomyVersion: etag, config, now: Date.now },
      source,
      { maxWriteOps: REFRESH_NOW_WRITE_OPS, maxNewItems: config.itemsPerPart, claimToken: token, ...(resume && { resume }) },
    );
    return c.json({ source: after, refresh: report });
  } catch (error) {
    // Storage failed before the state was saved: the next refresh need not wait for the claim to expire.
    await releaseSourceClaims(c.env.ARTICLE_WRITER, [{ id: current.id, token }]).catch(() => undefined);
    throw error;
  }
});

async function found(env: Env, rawId: string): Promise<Source> {
  const source = await getSource(env.KV, validId(rawId));
  if (!source) throw notFound();
  return source;
}

function validId(id: string): string {
  if (!SOURCE_ID_PATTERN.test(id)) throw notFound();
  return id;
}

const notFound = (): ApiError => new ApiError(404, "not_found", "no source with that id");


/** A URL as echoed back: any user name and password replaced, so an answer never repeats a secret. */
function redactCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/?#]*@/i, "$1***@");
}

/** OPML is XML: text/x-opml, application/xml, text/xml, or any +xml type. */
function requireOpml(request: Request): void {
  const mediaType = (request.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  const ok = ["text/x-opml", "application/x-opml", "application/xml", "text/xml"].includes(mediaType) || /^application\/[\w.+-]+\+xml$/.test(mediaType);
  if (!ok) throw new ApiError(415, "unsupported_media_type", "send the OPML document as Content-Type: text/x-opml (or application/xml, text/xml)");
}
