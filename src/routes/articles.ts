/**
 * Article routes (docs/API.md, "Articles"): validate, call, answer.
 *   POST   /api/articles        webhook submission (Standard Webhooks or admin bearer)
 *   GET    /api/articles/:id    one stored article as JSON
 *   DELETE /api/articles/:id    admin: remove it from every feed
 * The write routes are rate-limited per client (http/rate-limit.ts) before the body is read.
 */
import { type Context, Hono } from "hono";
import { ARTICLE_ID_PATTERN, LIMITS } from "../domain/article";
import type { FieldError } from "../domain/result";
import type { Tag } from "../domain/tag";
import type { AppEnv } from "../env";
import { changedTopics, publishRequests } from "../feeds/websub";
import { parseJsonBody, readBodyLimited, requireJson } from "../http/body";
import { ApiError, invalidFields } from "../http/errors";
import { pingHubs } from "../http/ping-hubs";
import { writeRateLimit } from "../http/rate-limit";
import { ingestArticles } from "../ingest/ingest";
import { type ArticleDraft, normalizeArticle } from "../ingest/normalize";
import { readSubmission, repeatedIdErrors } from "../ingest/submission";
import { articleStore, deleteArticle, getArticle } from "../store/articles";
import { getSeenAnswer, putSeenAnswer } from "../store/seen";
import { loadTaxonomy } from "../store/taxonomy";
import { authenticate, requireAdmin } from "./auth";
import { urlsFor } from "./site";

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

  const ingested = await ingestArticles(articleStore(c.env), drafts.map((d) => d.draft), nowMs);
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
  const stored = outcomes.filter((o) => o.status === "created" || o.status === "updated");
  notifyHubs(c, stored.flatMap((o) => o.tags));
  return c.json(answer, stored.length > 0 ? 201 : 200);
});

articleRoutes.get("/:id", async (c) => {
  const article = await getArticle(c.env.KV, validId(c.req.param("id")));
  if (!article) throw new ApiError(404, "not_found", "no article with that id");
  return c.json(article);
});

articleRoutes.delete("/:id", writeRateLimit, requireAdmin, async (c) => {
  const removed = await deleteArticle(articleStore(c.env), validId(c.req.param("id")), Date.now());
  if (!removed) throw new ApiError(404, "not_found", "no article with that id");
  notifyHubs(c, removed.tags);
  return c.json({ deleted: removed.id, tags: removed.tags });
});

/** WebSub: the hubs hear of the changed feeds after the answer (nothing when no hub is configured). */
function notifyHubs(c: Context<AppEnv>, tags: readonly Tag[]): void {
  const urls = urlsFor(c);
  if (urls.hubs.length === 0) return;
  c.executionCtx.waitUntil(pingHubs((request) => fetch(request), publishRequests(urls.hubs, changedTopics(urls, tags))));
}

function validId(id: string): string {
  if (!ARTICLE_ID_PATTERN.test(id)) {
    throw new ApiError(404, "not_found", "no article with that id", [{ path: "id", reason: "is not a valid article id" }]);
  }
  return id;
}
