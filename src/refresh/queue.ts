/**
 * Refresh fanned out over Cloudflare Queues (used when the Worker has a `REFRESH_QUEUE` binding;
 * without one the cron refreshes in its own invocation, run-tick.ts).
 *
 * Producer (`enqueueDue`, the cron tick): lists the sources by key metadata, takes the due ones
 * whose metadata shows no claim, oldest first, claims them (store/claims.ts: one call per article
 * writer shard for all of them; a source another refresh holds is refused there, whatever the
 * metadata says), writes each granted claim's copy on its record and sends `{id, token}` messages,
 * 100 per `sendBatch`. KV operations: ⌈S/1000⌉ lists, then per 100 claimed sources 1 bulk read and
 * 100 writes — as many as the tick's budget takes; the rest are still due, and the oldest, next
 * tick. Subrequests: at most 8 claim calls, then the sends.
 *
 * Consumer (`consumeRefreshBatch`, the `queue()` handler): each message refreshes its source with
 * refresh-source.ts in this invocation (its own CPU, subrequests and KV operations, shared among
 * the batch's messages). A message whose token no longer holds the source's claim (store/claims.ts;
 * the check renews it) is stale — the claim expired and was taken again, by a later tick or a
 * manual refresh — and is acked without work. The refresh's state is written only while the claim
 * holds, which releases it.
 * - Upstream failures are recorded on the source by the refresh (backoff reschedules) and acked.
 * - KV and platform failures throw: the message is retried with a growing delay
 *   (`REFRESH_RETRY_SECONDS`, doubling: 30, 60, 120 s); after `REFRESH_MAX_RETRIES` retries it goes
 *   to the dead-letter queue.
 * - A document the budget cannot finish continues in a follow-up message: the KV budget, or the
 *   CPU one, `REFRESH_ITEMS_PER_PART` new or changed items per invocation (unchanged ones, skipped
 *   by fingerprint, do not count), so a part of new items fits 10 ms of CPU. The remaining parsed
 *   items are stored under `resume:{id}:{token}:{part}` (one hour, refresh/resume.ts) by the first
 *   part; each later part stores its fingerprints and counts there, its items named as the end of
 *   that list; the next part is sent before this message is acked. A crash anywhere in between
 *   repeats the part: its items already written come back `unchanged` (same rev), so nothing is
 *   skipped or stored twice. A first message for a source whose record names a pending part (left
 *   by a refresh in the Worker's own invocation: a manual one, or the tick before the queue was
 *   bound) takes that part up instead of fetching (1 read).
 *
 * Dead letters (`recordDeadLetters`, the dead-letter queue's consumer): while the message's claim
 * still holds, the source gets `dead_letter {at, reason}` (shown by GET /api/sources), a failure's
 * backoff, and its claim released, in one write (store/claims.ts), so the next tick takes it again
 * when due. A claim taken over meanwhile belongs to a later refresh, whose state stands.
 */
import * as z from "zod";
import { claimSources, finishSourceClaim, renewSourceClaim } from "../store/claims";
import { type DueEntry, getSource, getSources, listDue, putClaimCopy, putSource } from "../store/sources";
import { loadTaxonomy } from "../store/taxonomy";
import { type RefreshConfig, refreshConfig } from "./config";
import { type RefreshReport, refreshSource } from "./refresh-source";
import { pendingContinuation, readContinuation, writeContinuation } from "./resume";
import type { TickDeps } from "./run-tick";
import { nextDueMs, pickDue } from "./schedule";

export const RefreshMessageSchema = z.object({
  id: z.string().max(64),
  token: z.string().max(64),
  /** Which part of the document (0: fetch it; n: take up `resume:{id}:{token}:{n}`). */
  part: z.number().int().nonnegative().max(1000).optional(),
});
export type RefreshMessage = z.infer<typeof RefreshMessageSchema>;

/** Retries before a message is dead-lettered; wrangler.jsonc's `max_retries` says the same. */
export const REFRESH_MAX_RETRIES = 3;
/** KV operations of one consumer invocation (the platform allows 1000), shared by its messages. */
const CONSUMER_KV_OPS = 900;
const SEND_BATCH_MAX = 100;
const WRITE_CONCURRENCY = 50;

export interface EnqueueReport {
  due: number;
  enqueued: number;
  /** Due sources skipped because a claim holds them (its copy in the metadata, or the claims themselves). */
  claimed: number;
  left: number;
  kvOps: number;
  errors: string[];
}

/** `listed`: the invocation's list of the sources, when the caller made it (the cron shares one list). */
export async function enqueueDue(env: Env, queue: Queue<RefreshMessage>, nowMs: number, override?: Partial<RefreshConfig>, listed?: readonly DueEntry[]): Promise<EnqueueReport> {
  const config = { ...refreshConfig(env), ...override };
  const report: EnqueueReport = { due: 0, enqueued: 0, claimed: 0, left: 0, kvOps: 0, errors: [] };
  const entries = listed ?? (await listDue(env.KV));
  report.kvOps += Math.max(1, Math.ceil(entries.length / 1000));
  const due = entries.filter((entry) => entry.dueMs <= nowMs);
  report.due = due.length;
  const free = due.filter((entry) => entry.claimedUntilMs <= nowMs);
  // Each claim's copy is a write, each 100 of them a bulk read first.
  const room = config.kvOps - report.kvOps;
  const picked = pickDue(free, nowMs, Math.max(0, Math.floor((room * 100) / 101)));
  // The metadata may lag (KV lists are eventually consistent), and a manual refresh may be taking
  // the same source right now: the claims decide.
  const claims = await claimSources(env.ARTICLE_WRITER, picked.map((p) => ({ id: p.id, token: crypto.randomUUID() })), nowMs);
  report.errors.push(...claims.errors);
  report.claimed = due.length - free.length + claims.held.size;
  const granted = picked.filter((p) => claims.granted.has(p.id));
  for (let start = 0; start < granted.length; start += SEND_BATCH_MAX) {
    const chunk = granted.slice(start, start + SEND_BATCH_MAX);
    const sources = await getSources(env.KV, chunk.map((p) => p.id));
    report.kvOps += 1;
    const messages: RefreshMessage[] = [];
    for (let i = 0; i < sources.length; i += WRITE_CONCURRENCY) {
      const claimed = await Promise.all(
        sources.slice(i, i + WRITE_CONCURRENCY).map(async (source) => {
          const token = claims.granted.get(source.id) ?? "";
          await putClaimCopy(env.KV, source, token, claims.untilMs);
          return { id: source.id, token };
        }),
      );
      report.kvOps += claimed.length;
      messages.push(...claimed);
    }
    if (messages.length === 0) continue;
    try {
      await queue.sendBatch(messages.map((body) => ({ body, contentType: "json" })));
      report.enqueued += messages.length;
    } catch (error) {
      // Claimed but not sent: they wait for their claims to expire, then go out with a later tick.
      report.errors.push(`send failed for ${messages.length} sources: ${describe(error)}`);
    }
  }
  report.left = free.length - claims.held.size - report.enqueued;
  return report;
}

export interface ConsumeReport {
  refreshed: RefreshReport[];
  stale: number;
  continued: number;
  retried: { id: string; error: string }[];
}

export async function consumeRefreshBatch(batch: MessageBatch<unknown>, env: Env, deps: TickDeps): Promise<ConsumeReport> {
  const report: ConsumeReport = { refreshed: [], stale: 0, continued: 0, retried: [] };
  const config = refreshConfig(env);
  const maxWriteOps = Math.max(10, Math.floor(CONSUMER_KV_OPS / batch.messages.length) - 8);
  // The invocation's CPU bound, shared like its KV operations: each message maps its share of new items.
  const maxNewItems = Math.max(1, Math.floor(config.itemsPerPart / batch.messages.length));
  let taxonomy: Awaited<ReturnType<typeof loadTaxonomy>> | undefined;
  // One at a time: two messages of a batch may carry the same story, and their store steps must not interleave.
  for (const message of batch.messages) {
    const parsed = RefreshMessageSchema.safeParse(message.body);
    if (!parsed.success) {
      console.error("refresh message unreadable; dropped", JSON.stringify(message.body).slice(0, 200));
      message.ack();
      continue;
    }
    const body = parsed.data;
    try {
      const source = await getSource(env.KV, body.id);
      // Still this message's claim? The claims say (the record's copy may lag), and it holds on.
      if (!source || !(await renewSourceClaim(env.ARTICLE_WRITER, body.id, body.token, deps.now()))) {
        report.stale += 1;
        message.ack();
        continue;
      }
      const part = body.part ?? 0;
      // Part 0 takes up a part an earlier refresh in the Worker's own invocation left (refresh/resume.ts), if any.
      const stored = part > 0 ? await readContinuation(env.KV, body.id, body.token, part) : undefined;
      const resume = part > 0 ? stored?.continuation : await pendingContinuation(env.KV, source, deps.now());
      taxonomy ??= await loadTaxonomy(env.KV);
      const { report: one, continuation } = await refreshSource(
        { kv: env.KV, writers: env.ARTICLE_WRITER, fetch: deps.fetch, parse: deps.parse, taxonomy: taxonomy.index, taxonomyVersion: taxonomy.etag, config, now: deps.now },
        source,
        { maxWriteOps, maxNewItems, allowContinuation: true, claimToken: body.token, ...(resume && { resume }) },
      );
      report.refreshed.push(one);
      if (continuation) {
        await writeContinuation(env.KV, body.id, body.token, part + 1, continuation, stored?.items);
        const queue = env.REFRESH_QUEUE as Queue<RefreshMessage> | undefined;
        if (!queue) throw new Error("no REFRESH_QUEUE binding for the document's next part");
        await queue.send({ id: body.id, token: body.token, part: part + 1 }, { contentType: "json" });
        report.continued += 1;
      }
      message.ack();
    } catch (error) {
      const reason = describe(error);
      report.retried.push({ id: body.id, error: reason });
      console.error("queued refresh failed; retrying", body.id, error);
      // The last retry: say why on the source while storage may still answer (best effort).
      if (message.attempts > REFRESH_MAX_RETRIES) await noteLastError(env.KV, body.id, body.token, deps.now(), reason).catch(() => undefined);
      message.retry({ delaySeconds: retryDelaySeconds(config, message.attempts) });
    }
  }
  return report;
}

/** The dead-letter queue's consumer: each message's source says why its refresh was given up. */
export async function recordDeadLetters(batch: MessageBatch<unknown>, env: Env, nowMs: number): Promise<number> {
  let recorded = 0;
  for (const message of batch.messages) {
    const parsed = RefreshMessageSchema.safeParse(message.body);
    if (!parsed.success) {
      message.ack();
      continue;
    }
    try {
      // Not `message.attempts`: that counts this queue's deliveries, which start again at 1 here.
      const reason = `refresh given up after ${REFRESH_MAX_RETRIES + 1} attempts`;
      if (await noteDeadLetter(env, parsed.data.id, nowMs, reason, parsed.data.token)) recorded += 1;
      message.ack();
    } catch (error) {
      console.error("dead letter not recorded; retrying", parsed.data.id, error);
      message.retry({ delaySeconds: 60 });
    }
  }
  return recorded;
}

/** The last attempt's error, on the source while it is still this refresh's claim (the dead letter's reason). */
async function noteLastError(kv: KVNamespace, id: string, token: string, nowMs: number, reason: string): Promise<void> {
  const source = await getSource(kv, id);
  if (!source || source.claim?.token !== token) return;
  await putSource(kv, { ...source, dead_letter: { at: new Date(nowMs).toISOString(), reason: reason.slice(0, 300) } });
}

/**
 * Records a dead-lettered refresh on its source: a failure's backoff, the reason (the last
 * attempt's error when it could note it), and the claim released — only while the claim is still
 * this refresh's (store/claims.ts), in the same write.
 */
async function noteDeadLetter(env: Env, id: string, nowMs: number, fallbackReason: string, token: string): Promise<boolean> {
  const source = await getSource(env.KV, id);
  if (!source) return false;
  const noted = source.claim?.token === token ? source.dead_letter : undefined;
  const at = new Date(nowMs).toISOString();
  const reason = noted ? `${fallbackReason}: ${noted.reason}`.slice(0, 300) : fallbackReason;
  const failures = source.consecutive_failures + 1;
  const { claim: _claim, ...rest } = source;
  return finishSourceClaim(env.ARTICLE_WRITER, token, {
    ...rest,
    dead_letter: { at, reason },
    last_error: reason,
    last_fetch: at,
    last_status: "internal",
    consecutive_failures: failures,
    next_due: new Date(nextDueMs({ nowMs, intervalMinutes: source.interval_minutes, failures })).toISOString(),
  });
}

/** The wait before a failed message's next attempt: `retrySeconds`, doubling per attempt, at most 10 minutes. */
export function retryDelaySeconds(config: Pick<RefreshConfig, "retrySeconds">, attempts: number): number {
  return Math.min(config.retrySeconds * 2 ** (Math.max(1, attempts) - 1), 600);
}

function describe(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 300) || "unknown error";
}
