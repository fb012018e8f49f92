/**
 * Block routes (README, "Blocking"), admin only: validate, call, answer.
 *   GET    /api/blocks        every block
 *   POST   /api/blocks        add `{url_pattern}` or `{source, guid}` (with an optional `note`):
 *                            201, or 200 when that block exists already
 *   DELETE /api/blocks/{id}   remove one (404 when there is none)
 * Blocks apply to what arrives from then on (within BLOCKS_MAX_AGE_MS in every isolate); stored
 * articles stay (delete them to retract them).
 */
import { Hono } from "hono";
import { BLOCK_ID_PATTERN, BLOCK_LIMITS, BlockInputSchema } from "../domain/block";
import type { AppEnv } from "../env";
import { parseJsonBody, readBodyLimited, requireJson } from "../http/body";
import { ApiError, invalidFields } from "../http/errors";
import { writeRateLimit } from "../http/rate-limit";
import { forgetBlocks } from "../store/blocks";
import { taxonomyWriter } from "../store/taxonomy-writer";
import { PARSE_REPORTING, toFieldError } from "../domain/result";
import { requireAdmin } from "./auth";

export const blockRoutes = new Hono<AppEnv>();

blockRoutes.use("*", (c, next) => (c.req.method === "GET" || c.req.method === "HEAD" ? next() : writeRateLimit(c, next)));
blockRoutes.use("*", requireAdmin);

const unavailable = () => new ApiError(503, "storage_unavailable", "the block list could not be saved everywhere; repeat the request", undefined, { "retry-after": "5" });

blockRoutes.get("/", async (c) => c.json({ blocks: await taxonomyWriter(c.env).blocks() }));

blockRoutes.post("/", async (c) => {
  requireJson(c.req.raw);
  const parsed = BlockInputSchema.safeParse(parseJsonBody(await readBodyLimited(c.req.raw, 16 * 1024)), PARSE_REPORTING);
  if (!parsed.success) throw invalidFields(parsed.error.issues.map((issue) => toFieldError("", issue)));
  const answer = await taxonomyWriter(c.env).editBlocks({ op: "add", input: parsed.data, nowIso: new Date().toISOString() });
  forgetBlocks();
  if (!answer.ok) {
    if (answer.reason === "too_many") throw new ApiError(409, "too_many_blocks", `at most ${BLOCK_LIMITS.blocks} blocks; remove some first`);
    throw unavailable();
  }
  if (!("block" in answer)) throw unavailable();
  return c.json(answer.block, answer.created ? 201 : 200);
});

blockRoutes.delete("/:id", async (c) => {
  const id = c.req.param("id");
  if (!BLOCK_ID_PATTERN.test(id)) throw new ApiError(404, "not_found", "no block with that id", [{ path: "id", reason: "is not a block id (b- and 16 hex digits)" }]);
  const answer = await taxonomyWriter(c.env).editBlocks({ op: "remove", id });
  forgetBlocks();
  if (!answer.ok) throw unavailable();
  if (!("removed" in answer) || !answer.removed) throw new ApiError(404, "not_found", "no block with that id");
  return c.json({ deleted: id });
});
