/**
 * Article routes (docs/API.md, "Articles"): validate, call, answer.
 *   POST   /api/articles        webhook submission (Standard Webhooks or admin bearer)
 *   GET    /api/articles/:id    one stored article as JSON
 *   DELETE /api/articles/:id    admin: remove it from every feed
 * The write routes are rate-limited per client (http/rate-limit.ts) before the body is read.
 */
import { Hono } from "hono";
import { ARTICLE_ID_PATTERN, LIMITS } from "../domain/article";
import { type FieldError, joinPath } from "../domain/result";
import type { AppEnv } from "../env";
import { parseJsonBody, readBodyLimited, requireJson } from "../http/body";
import { ApiError, invalidFields } from "../http/errors";
import { writeRateLimit } from "../http/rate-limit";
import { ingestArticles } from "../ingest/ingest";
import { type ArticleDraft, normalizeArticle } from "../ingest/normalize";
import { readSubmission, repeatedIdErrors } from "../ingest/submission";
import { articleStore, deleteArticle, getArticle } from "../store/articles";
import { loadBlocks } from "../store/blocks";
import { getSeenAnswer, putSeenAnswer } from "../store/seen";
import { loadTaxonomy } from "../store/taxonomy";
import { authenticate, requireAdmin } from "./auth";
import { changeSite, urlsFor } from "./site";

export const articleRoutes = new Hono<AppEnv>();

articleRoutes.post("/", writeRateLimit, async (c) => {
  requireJson(c.req.raw);
  const body = await readBodyLimited(c.req.raw, LIMITS.bodyBytes);
  const submitter = await authenticate(c, body);

  if (submitter.kind === "webhook") {
    const earlier = await getSeenAnswer(c.env.KV, submitter.webhookId);
    if (earlier !== null) return c.json({ ...(earlier as object), redelivery: true }, 200);
  }

  const read = readSubmission(parseJsonBody(body));
  if (!read.ok) throw invalidFields(read.error);

  // Every article that passed the schema is normalized too, so one 400 names every invalid field.
  const nowMs = Date.now();
  const { index } = await loadTaxonomy(c.env.KV);
  const errors: FieldError[] = [...read.value.errors];
  const drafts: { draft: ArticleDraft; path: string; field: string }[] = [];
  for (const { input, path } of read.value.articles) {
    const result = await normalizeArticle(input, { taxonomy: index, nowMs }, path);
    if (result.ok) drafts.push({ draft: result.value, path, field: input.id !== undefined ? "id" : "url" });
    else errors.push(...result.error);
  }
  // Ids derived from URLs are compared too: `http://x/a/` and `https://x/a?utm_source=y` are one article.
  errors.push(...repeatedIdErrors(drafts.map(({ draft, path, field }) => ({ id: draft.id, path, field }))));
  if (errors.length > 0) throw invalidFields(errors);
  // An admin's block (store/blocks.ts) refuses the batch, naming every blocked article: nothing is stored.
  const { matcher: blocks } = await loadBlocks(c.env.KV);
  const blocked = blocks.size === 0 ? [] : drafts.flatMap(({ draft, path }) => {
    const hit = blocks.match({ url: draft.url });
    return hit ? [{ path: joinPath(path, ["url"]), reason: `is blocked by ${hit.id}` }] : [];
  });
  if (blocked.length > 0) {
    throw new ApiError(403, "blocked", `${blocked.length} article${blocked.length === 1 ? " is" : "s are"} blocked by an admin; nothing was stored`, blocked);
  }

  const ingested = await ingestArticles(articleStore(c.env, changeSite(c)), drafts.map((d) => d.draft), nowMs);
  if (!ingested.ok) {
    throw new ApiError(413, "batch_too_large", `storing this batch takes about ${ingested.error.kvOperations} storage operations; one request may make ${ingested.error.budget}: send fewer articles or fewer tags per request`, [
      { path: "", reason: `needs about ${ingested.error.kvOperations} storage operations, more than the ${ingested.error.budget} one request may make` },
    ]);
  }
  const outcomes = ingested.value;
  const urls = urlsFor(c);
  const answer = {
    articles: outcomes.map((o) => ({ ...o, href: `${urls.origin}/api/articles/${o.id}` })),
  };
  if (submitter.kind === "webhook") await putSeenAnswer(c.env.KV, submitter.webhookId, answer);
  const changed = outcomes.some((o) => o.status === "created" || o.status === "updated");
  return c.json(answer, changed ? 201 : 200);
});

articleRoutes.get("/:id", async (c) => {
  const article = await getArticle(c.env.KV, validId(c.req.param("id")));
  if (!article) throw new ApiError(404, "not_found", "no article with that id");
  return c.json(article);
});

articleRoutes.delete("/:id", writeRateLimit, requireAdmin, async (c) => {
  const removed = await deleteArticle(articleStore(c.env, changeSite(c)), validId(c.req.param("id")), Date.now());
  if (!removed) throw new ApiError(404, "not_found", "no article with that id");
  return c.json({ deleted: removed.id, tags: removed.tags });
});

function validId(id: string): string {
  if (!ARTICLE_ID_PATTERN.test(id)) {
    throw new ApiError(404, "not_found", "no article with that id", [{ path: "id", reason: "is not a valid article id" }]);
  }
  return id;
}
