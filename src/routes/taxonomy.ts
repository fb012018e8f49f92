/**
 * Taxonomy and merge routes (README "Tags and the taxonomy"): validate, call, answer.
 *   GET    /api/taxonomy                        the document (public: names and aliases are not
 *                                               secret, and publishers can see what their spellings
 *                                               resolve to); `?download=1` adds Content-Disposition
 *   PUT    /api/taxonomy                        admin: replace the whole document (import)
 *   GET    /api/taxonomy/entries/{type}/{slug}  one entry (public)
 *   POST   /api/taxonomy/entries                admin: create an entry (409 when it collides)
 *   PUT    /api/taxonomy/entries/{type}/{slug}  admin: update; a new slug keeps the old one as a
 *                                               redirect and moves the articles (bounded, see merge)
 *   DELETE /api/taxonomy/entries/{type}/{slug}  admin: remove (stored articles keep their tags)
 *   POST   /api/taxonomy/types                  admin: declare a type
 *   DELETE /api/taxonomy/types/{type}           admin: remove a type no entry uses
 *   POST   /api/tags/merge                      admin: move every article of one tag to another
 *
 * Every answer that reflects the document carries its `ETag`. Every edit goes to the taxonomy's
 * single writer (store/taxonomy-writer.ts), which applies edits one at a time: a 2xx means the
 * edit is in the document, however many race. `If-Match` with the ETag read (RFC 9110 §13.1.1)
 * answers 412 when the document changed since; without it the edit applies to the current one.
 */
import { type Context, Hono } from "hono";
import type { z } from "zod";
import { TAG_SLUG_PATTERN, TAG_TYPE_PATTERN, type Tag } from "../domain/tag";
import type { Taxonomy } from "../domain/taxonomy";
import type { AppEnv } from "../env";
import { parseJsonBody, readBodyLimited, requireJson } from "../http/body";
import { isNotModified } from "../http/conditional";
import { ApiError, invalidFields } from "../http/errors";
import { moveTagArticles } from "../store/merge";
import { articleStore, listFeedEntries } from "../store/articles";
import { tagFeedKey } from "../store/keys";
import { getTagRecord, renameTagRecord } from "../store/tags";
import { type LoadedTaxonomy, loadTaxonomy, rememberTaxonomy, serializeTaxonomy } from "../store/taxonomy";
import { type WriterAnswer, type WriterFailure, taxonomyWriter } from "../store/taxonomy-writer";
import {
  type EditResults,
  EntryCreateSchema,
  EntryUpdateSchema,
  MergeRequestSchema,
  type TaxonomyEditOf,
  TypeCreateSchema,
  canonicalSlug,
  entryTag,
  findEntry,
  formerOwner,
  validateTaxonomy,
} from "../tags/merge";
import { PARSE_REPORTING, toFieldError } from "../domain/result";
import { writeRateLimit } from "../http/rate-limit";
import { requireAdmin } from "./auth";
import { changeSite, urlsFor } from "./site";

/** Admin reads and edits always compare against the stored document, never a memo. */
const ADMIN_FRESH = { maxAgeMs: 0 };

export const taxonomyRoutes = new Hono<AppEnv>();

/** The whole document; the default is about 12 KB. */
const DOCUMENT_MAX_BYTES = 1024 * 1024;
const SMALL_BODY_MAX_BYTES = 64 * 1024;

taxonomyRoutes.get("/api/taxonomy", async (c) => {
  const loaded = await loadTaxonomy(c.env.KV, ADMIN_FRESH);
  const headers: Record<string, string> = {
    "content-type": "application/json; charset=utf-8",
    etag: loaded.etag,
    // Revalidate every time: an admin's edit must show at once; If-None-Match makes that cheap.
    "cache-control": "no-cache",
    "access-control-allow-origin": "*",
  };
  if (c.req.query("download") === "1") headers["content-disposition"] = 'attachment; filename="tagfeed-taxonomy.json"';
  if (c.req.header("if-none-match") !== undefined && isNotModified(c.req.raw.headers, loaded.etag, 0)) {
    return c.body(null, 304, headers);
  }
  return c.body(serializeTaxonomy(loaded.taxonomy), 200, headers);
});

taxonomyRoutes.put("/api/taxonomy", writeRateLimit, requireAdmin, async (c) => {
  const body = await readJson(c, DOCUMENT_MAX_BYTES);
  const valid = validateTaxonomy(body);
  if (!valid.ok) throw invalidFields(valid.error);
  const { saved } = await edit(c, { op: "import", taxonomy: valid.value });
  return c.body(serializeTaxonomy(saved.taxonomy), 200, { "content-type": "application/json; charset=utf-8", etag: saved.etag });
});

taxonomyRoutes.get("/api/taxonomy/entries/:type/:slug", async (c) => {
  const { type, slug } = entryPath(c);
  const loaded = await loadTaxonomy(c.env.KV, ADMIN_FRESH);
  const entry = loaded.taxonomy.entries[findEntry(loaded.taxonomy, type, slug)];
  if (!entry) throw entryNotFound(loaded.taxonomy, type, slug);
  c.header("etag", loaded.etag);
  c.header("access-control-allow-origin", "*");
  return c.json({ entry, tag: entryTag(entry), feeds: urlsFor(c).feeds(entryTag(entry)) });
});

taxonomyRoutes.post("/api/taxonomy/entries", writeRateLimit, requireAdmin, async (c) => {
  const input = parseWith(EntryCreateSchema, await readJson(c, SMALL_BODY_MAX_BYTES));
  const { result } = await edit(c, { op: "create_entry", input });
  const tag = entryTag(result.entry);
  // A stored tag with this slug is adopted: its record and feed take the entry's name.
  await renameTagRecord(c.env.KV, tag, Date.now());
  c.header("location", `/api/taxonomy/entries/${tag.type}/${tag.slug}`);
  return c.json({ entry: result.entry, tag, feeds: urlsFor(c).feeds(tag) }, 201);
});

taxonomyRoutes.put("/api/taxonomy/entries/:type/:slug", writeRateLimit, requireAdmin, async (c) => {
  const { type, slug } = entryPath(c);
  const patch = parseWith(EntryUpdateSchema, await readJson(c, SMALL_BODY_MAX_BYTES));
  const { result } = await edit(c, { op: "update_entry", type, slug, patch });
  const { before, after, entry } = result;
  const nowMs = Date.now();
  let move: { from: string; into: string; moved: number; remaining: number; done: boolean } | undefined;
  if (after.slug !== before.slug) {
    // The old slug now redirects here: its articles follow (the rest by POST /api/tags/merge).
    const progress = await moveTagArticles(articleStore(c.env, changeSite(c)), before, after, nowMs);
    move = { from: `${type}/${before.slug}`, into: `${type}/${after.slug}`, ...progress };
  } else if (after.name !== before.name) {
    await renameTagRecord(c.env.KV, after, nowMs);
  }
  return c.json({ entry, tag: after, feeds: urlsFor(c).feeds(after), ...(move && { move }) });
});

taxonomyRoutes.delete("/api/taxonomy/entries/:type/:slug", writeRateLimit, requireAdmin, async (c) => {
  const { type, slug } = entryPath(c);
  const { result } = await edit(c, { op: "delete_entry", type, slug });
  return c.json({ deleted: result.entry });
});

taxonomyRoutes.post("/api/taxonomy/types", writeRateLimit, requireAdmin, async (c) => {
  const def = parseWith(TypeCreateSchema, await readJson(c, SMALL_BODY_MAX_BYTES));
  const { result } = await edit(c, { op: "create_type", def });
  return c.json({ type: result.def }, 201);
});

taxonomyRoutes.delete("/api/taxonomy/types/:type", writeRateLimit, requireAdmin, async (c) => {
  const type = c.req.param("type");
  if (!TAG_TYPE_PATTERN.test(type)) throw new ApiError(404, "not_found", `type "${type}" is not declared`);
  const { result } = await edit(c, { op: "delete_type", type });
  return c.json({ deleted: result.def });
});

/**
 * Merge: the taxonomy first (so new submissions and the old URL go to `into` at once), then up to
 * 200 articles per call (store/merge.ts). `{moved, remaining, done}`: call again until `done`.
 */
taxonomyRoutes.post("/api/tags/merge", writeRateLimit, requireAdmin, async (c) => {
  const { from, into } = parseWith(MergeRequestSchema, await readJson(c, SMALL_BODY_MAX_BYTES));
  const kv = c.env.KV;
  // What the tag records say; the writer decides against its document whether both tags exist.
  const [fromRecord, intoRecord] = await Promise.all([getTagRecord(kv, from.type, from.slug), getTagRecord(kv, into.type, into.slug)]);
  const fromHasArticles = fromRecord !== null || (await listFeedEntries(kv, tagFeedKey(from), { limit: 1 })).entries.length > 0;
  const { saved, result } = await edit(c, {
    op: "merge",
    from,
    into,
    fromRecordName: fromRecord?.name,
    intoRecordName: intoRecord?.name,
    fromHasArticles,
  });
  const progress = await moveTagArticles(articleStore(c.env, changeSite(c)), from, result.into, Date.now());
  c.header("etag", saved.etag);
  return c.json({ from: `${from.type}/${from.slug}`, into: result.into, ...progress });
});

// ---------------------------------------------------------------------------------------------

async function readJson(c: Context<AppEnv>, limit: number): Promise<unknown> {
  requireJson(c.req.raw);
  return parseJsonBody(await readBodyLimited(c.req.raw, limit));
}

function parseWith<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body, PARSE_REPORTING);
  if (!parsed.success) throw invalidFields(parsed.error.issues.map((issue) => toFieldError("", issue)));
  return parsed.data;
}

function entryPath(c: Context<AppEnv>): { type: string; slug: string } {
  const type = c.req.param("type") ?? "";
  const slug = c.req.param("slug") ?? "";
  if (!TAG_TYPE_PATTERN.test(type) || !TAG_SLUG_PATTERN.test(slug)) {
    throw new ApiError(404, "not_found", `the taxonomy has no entry ${type}/${slug}`);
  }
  return { type, slug };
}

function entryNotFound(taxonomy: Taxonomy, type: string, slug: string): ApiError {
  const owner = formerOwner(taxonomy, type, slug);
  return new ApiError(
    404,
    "not_found",
    owner ? `${type}/${slug} is a former slug of ${type}/${canonicalSlug(owner)}` : `the taxonomy has no entry ${type}/${slug}`,
  );
}

/**
 * One edit by the taxonomy's single writer; sets the new ETag on the answer and makes the new
 * document this isolate's memo.
 */
async function edit<K extends keyof EditResults>(
  c: Context<AppEnv>,
  request: TaxonomyEditOf<K>,
): Promise<{ saved: LoadedTaxonomy; result: EditResults[K] }> {
  // RPC stubs drop a method's type parameters: the answer is the one for `request.op`.
  const answer = (await taxonomyWriter(c.env).edit(request, c.req.header("if-match"))) as WriterAnswer<EditResults[K]>;
  if (!answer.ok) throw editError(answer.error);
  const saved = await rememberTaxonomy(answer.value.raw);
  c.header("etag", saved.etag);
  return { saved, result: answer.value.result as EditResults[K] };
}

function editError(failure: WriterFailure): ApiError {
  switch (failure.reason) {
    case "not_found":
      return new ApiError(404, "not_found", failure.message);
    case "conflict":
      return new ApiError(409, "conflict", failure.message, failure.fields);
    case "invalid":
      return invalidFields(failure.fields);
    case "precondition_failed":
      return new ApiError(
        412,
        "precondition_failed",
        "the taxonomy changed since that ETag was read; GET /api/taxonomy again and reapply the edit",
        [{ path: "header:if-match", reason: `does not match the current ETag ${failure.etag}` }],
        { etag: failure.etag },
      );
  }
}
