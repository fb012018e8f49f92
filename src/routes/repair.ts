/**
 * The full index sweep as an operator's action (admin bearer token):
 *
 *   POST /api/admin/repair[?budget=300]   one bounded step of the sweep (store/repair.ts)
 *
 * The sweep walks every index key and every article, so its cost is proportional to the store,
 * not to what changed: it runs when an operator asks (after a platform incident, or a restore),
 * never on a cron tick. Interrupted writes need no sweep: their writers finish them from their
 * own logs (store/article-writer.ts). Each call spends at most `budget` KV operations (at most
 * 900 of the invocation's 1000) and keeps its place in `repair:cursor`; call again until
 * `pass_complete` is true.
 */
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "../http/errors";
import { REPAIR_BUDGET, repairIndexes } from "../store/repair";
import { requireAdmin } from "./auth";

const MAX_BUDGET = 900;

export const repairRoutes = new Hono<AppEnv>();
repairRoutes.use("*", requireAdmin);

repairRoutes.post("/repair", async (c) => {
  const raw = c.req.query("budget");
  const budget = raw === undefined ? REPAIR_BUDGET : Number(raw);
  if (!Number.isInteger(budget) || budget < 4 || budget > MAX_BUDGET) {
    throw new ApiError(400, "invalid_query", `budget must be a whole number from 4 to ${MAX_BUDGET}`, [
      { path: "query:budget", reason: `must be a whole number from 4 to ${MAX_BUDGET}` },
    ]);
  }
  const report = await repairIndexes(c.env.KV, { nowMs: Date.now(), budget });
  console.log(JSON.stringify({ event: "index_repair", ops: report.ops, removed: report.removed.length, restored: report.restored.length, pass_complete: report.passComplete }));
  return c.json({
    ops: report.ops,
    entries_checked: report.entriesChecked,
    articles_checked: report.articlesChecked,
    removed: report.removed,
    young_debris: report.youngDebris,
    restored: report.restored,
    pass_complete: report.passComplete,
  });
});
