/**
 * One cron tick: refresh the due sources within the platform's per-invocation budgets, and carry
 * the rest over to the next tick. Never throws: each source's work is isolated (a broken upstream,
 * a parser defect, even a KV error while saving one source's state only affects that source).
 *
 * Budgets (config.ts), so one tick fits the Workers free plan:
 * - sources: the `maxSources` due ones, first those in the middle of a document (a stored part
 *   waits for them, refresh/resume.ts), then the oldest `next_due` (never-fetched first);
 * - subrequests: a source may need 1 + maxRedirects fetches; one is only started while that many
 *   are left, and what it did not use is given back;
 * - KV operations: the tick's listing, reads and state writes come off `kvOps`; a source's item
 *   writes may use what is left. Changed items beyond it are stored as the document's next part
 *   (1 write), which the next tick takes up first (1 read) without fetching or parsing: those
 *   parts run one at a time, each with everything the tick has left, and the other sources share
 *   what remains after them. Once a document of this tick did not fit, no further source starts,
 *   and what the shares left unused goes to the parts just stored, one at a time again;
 * - CPU: at most `itemsPerPart` new or changed items are mapped and stored in the whole tick
 *   (unchanged ones, skipped by fingerprint, do not count; 6 fit the free plan's 10 ms). A part
 *   taken up gets all that is left, a source started a share (`concurrency` at once, rounded up),
 *   both reserved synchronously and what the refresh did not map given back; a source whose share
 *   would be 0 is not started (its document could not be processed). A document's items beyond its
 *   share are stored as its next part, exactly as for the KV budget;
 * - wall time: no source is started after `wallMs`; up to `concurrency` fetch at once, while
 *   their store steps run one at a time (two feeds with the same story must not both create it).
 * Sources not reached stay due, and being the oldest, go first next tick.
 *
 * Claims (store/claims.ts): the picked sources are claimed, one call per article writer shard, and
 * a source another refresh holds (a manual one, or a queued one) is left to it; each refresh's
 * state is written only while its claim holds, releasing it. Nothing is claimed when nothing is due.
 *
 * KV operations per tick: ⌈S/1000⌉ lists (S sources) + 1 bulk read of the picked records + 1 taxonomy
 * read; per refreshed source 1 read + 1 write of its state, plus ⌈items/100⌉ bulk article reads and
 * the writes of new or changed articles (ingest.ts), plus 1 write for a part left and 1 read for
 * one taken up; whether a part waits is in the list's metadata, so a tick with none costs nothing
 * more. `kvOps` counts the article writers' share too (a source's report is the real count, theirs
 * included), although they spend it in their own invocations: the tick's budget bounds the whole,
 * so the Worker's own share is always within it.
 */

import type { Source } from "../domain/source";
import { claimSources, releaseSourceClaims } from "../store/claims";
import { type DueEntry, getSources, listDue } from "../store/sources";
import { loadTaxonomy } from "../store/taxonomy";
import type { TaxonomyIndex } from "../tags/resolve";
import type { ParseFeed } from "../upstream/types";
import { type RefreshConfig, refreshConfig } from "./config";
import { type RefreshReport, refreshSource } from "./refresh-source";
import { hasPendingPart, pendingContinuation } from "./resume";
import { pickDue } from "./schedule";

export interface TickDeps {
  fetch: (request: Request) => Promise<Response>;
  parse: ParseFeed;
  now: () => number;
}

export interface TickReport {
  started: string;
  /** Sources due at the start of the tick. */
  due: number;
  refreshed: RefreshReport[];
  /** Due sources left for the next tick (those left in the middle of a document included), and why the tick stopped early (if it did). */
  left: number;
  /** Sources whose document did not fit: each continues from a stored part next tick. */
  continued: number;
  stopped?: "wall_time" | "subrequests" | "kv_ops" | "items";
  /** Sources whose refresh failed outside the upstream's control (e.g. a KV error), with the message. */
  errors: { id: string; message: string }[];
  subrequests: number;
  kvOps: number;
}

/** KV operations reserved per source for its state: the re-read and the write, and the write of a part it may leave (refresh/resume.ts). */
const STATE_OPS = 3;
/** Taking up a part: its read. */
const RESUME_READ_OPS = 1;
/** A part is not taken up to write less than this: its read and state write would cost as much. */
const MIN_PART_WRITE_OPS = 10;

/** `listed`: the invocation's list of the sources, when the caller made it (the cron shares one list). */
export async function runRefreshTick(env: Env, deps: TickDeps, override?: Partial<RefreshConfig>, listed?: readonly DueEntry[]): Promise<TickReport> {
  const config = { ...refreshConfig(env), ...override };
  const startedMs = deps.now();
  const report: TickReport = { started: new Date(startedMs).toISOString(), due: 0, refreshed: [], left: 0, continued: 0, errors: [], subrequests: 0, kvOps: 0 };
  let sources: Source[];
  let tokens: Map<string, string>;
  let taxonomy: TaxonomyIndex;
  let taxonomyVersion: string;
  try {
    const entries = listed ?? (await listDue(env.KV));
    report.kvOps += Math.max(1, Math.ceil(entries.length / 1000));
    // A claimed source is being refreshed by someone else (a manual refresh): not this tick's.
    const dueNow = entries.filter((entry) => entry.dueMs <= startedMs && entry.claimedUntilMs <= startedMs);
    report.due = dueNow.length;
    // Up to 100 of the oldest due records cost one bulk read; the first `maxSources` readable ones
    // are taken, so a record deleted since the list (or one that no longer parses) never takes a slot.
    const picked = pickDue(dueNow, startedMs, Math.max(config.maxSources, 100));
    const byId = new Map((await getSources(env.KV, picked.map((p) => p.id))).map((s) => [s.id, s]));
    report.kvOps += Math.ceil(picked.length / 100);
    const readable = picked
      .map((p) => byId.get(p.id))
      .filter((s): s is Source => s !== undefined)
      .slice(0, config.maxSources);
    // The claims decide (the list's copy may lag): a source another refresh holds is left to it.
    const claims = readable.length === 0 ? undefined : await claimSources(env.ARTICLE_WRITER, readable.map((s) => ({ id: s.id, token: crypto.randomUUID() })), startedMs);
    for (const message of claims?.errors ?? []) report.errors.push({ id: "*", message });
    tokens = claims?.granted ?? new Map();
    sources = readable.filter((s) => tokens.has(s.id));
    if (sources.length === 0) return report;
    const loaded = await loadTaxonomy(env.KV);
    taxonomy = loaded.index;
    taxonomyVersion = loaded.etag;
    report.kvOps += 1;
  } catch (error) {
    report.errors.push({ id: "*", message: `could not list sources: ${describe(error)}` });
    return report;
  }

  const perSourceRequests = config.maxRedirects + 1;
  let requestsLeft = config.subrequests;
  let kvLeft = config.kvOps - report.kvOps;
  // The tick's CPU bound: new or changed items mapped and stored in all, shared like `kvLeft`.
  let itemsLeft = config.itemsPerPart;
  let pending = sources.length;
  let storeStep: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const run = storeStep.then(work, work);
    storeStep = run.catch(() => undefined);
    return run;
  };
  // No refresh starts without at least one item of the bound: a document fetched could not be processed.
  const stopReason = (): TickReport["stopped"] =>
    deps.now() - startedMs >= config.wallMs
      ? "wall_time"
      : requestsLeft < perSourceRequests
        ? "subrequests"
        : kvLeft < STATE_OPS * pending + 1
          ? "kv_ops"
          : itemsLeft < 1
            ? "items"
            : undefined;

  /** Sources left in the middle of a document by this tick, with their saved records (naming the part). */
  const continuing = new Map<string, Source>();
  /** Which bound the last document left unfinished ran into. */
  let cutBy: "kv_ops" | "items" = "kv_ops";

  /**
   * Refreshes one source with the write budget and the share of new items given (its reservations
   * were taken by the caller, and what it did not use is given back here); whether its document continues.
   */
  const refreshOne = async (source: Source, maxWriteOps: number, maxNewItems: number, resuming: boolean): Promise<boolean> => {
    let mapped = maxNewItems;
    let used = 0;
    let continues = false;
    try {
      // Taking up a part costs its read (reserved by the caller); an expired one means a fetch.
      const resume = resuming ? await pendingContinuation(env.KV, source, startedMs) : undefined;
      const { source: saved, report: refreshed } = await refreshSource(
        { kv: env.KV, writers: env.ARTICLE_WRITER, fetch: deps.fetch, parse: deps.parse, taxonomy, taxonomyVersion, config, now: deps.now, onRequest: () => (used += 1), exclusive },
        source,
        { maxWriteOps, maxNewItems, claimToken: tokens.get(source.id), ...(resume && { resume }) },
      );
      const one = { ...refreshed, kvOps: refreshed.kvOps + (resuming ? RESUME_READ_OPS : 0) };
      report.refreshed.push(one);
      mapped = Math.min(one.mapped, maxNewItems);
      continues = one.continues === true && saved !== null;
      if (continues && saved) {
        continuing.set(source.id, saved);
        cutBy = mapped >= maxNewItems ? "items" : "kv_ops";
      } else continuing.delete(source.id);
      kvLeft += Math.max(0, maxWriteOps + STATE_OPS + (resuming ? RESUME_READ_OPS : 0) - one.kvOps);
    } catch (error) {
      // Only storage failures get here (refreshSource records upstream failures itself).
      report.errors.push({ id: source.id, message: describe(error) });
      console.error("refresh failed", source.id, error);
    }
    // A refresh that failed on storage may have mapped its whole share: none of it is given back.
    itemsLeft += maxNewItems - mapped;
    requestsLeft += perSourceRequests - Math.min(used, perSourceRequests);
    report.subrequests += used;
    return continues;
  };

  /**
   * Takes up stored parts one at a time, each with everything the tick has left but what the
   * parts after it need to start; stops at the first that does not finish (it had everything).
   * Whether all finished.
   */
  const takeUpParts = async (parts: readonly Source[], notStartedYet: boolean): Promise<boolean> => {
    for (const [index, source] of parts.entries()) {
      const stop = stopReason() ?? (kvLeft < STATE_OPS + RESUME_READ_OPS + STATE_OPS * pending + MIN_PART_WRITE_OPS ? "kv_ops" : undefined);
      if (stop !== undefined) {
        report.stopped ??= stop;
        return false;
      }
      if (notStartedYet) pending -= 1;
      requestsLeft -= perSourceRequests;
      kvLeft -= STATE_OPS + RESUME_READ_OPS;
      const maxWriteOps = Math.max(0, kvLeft - (STATE_OPS + RESUME_READ_OPS) * (parts.length - index - 1));
      kvLeft -= maxWriteOps;
      const maxNewItems = itemsLeft;
      itemsLeft = 0;
      if (await refreshOne(source, maxWriteOps, maxNewItems, true)) {
        report.stopped ??= cutBy;
        return false;
      }
    }
    return true;
  };

  // First the documents earlier ticks left unfinished: a source in the middle of a document is
  // finished before another is started.
  const fresh = sources.filter((s) => !hasPendingPart(s, startedMs));
  const allFinished = await takeUpParts(sources.filter((s) => hasPendingPart(s, startedMs)), true);

  // Then the others, `concurrency` at a time. Once one of their documents did not fit, no further
  // source is started: it would only be left half-done too.
  const queue = allFinished ? [...fresh] : [];
  const worker = async (): Promise<void> => {
    for (;;) {
      const source = queue.shift();
      if (source === undefined) return;
      const stop = continuing.size > 0 ? cutBy : stopReason();
      if (stop !== undefined) {
        report.stopped ??= stop;
        queue.unshift(source);
        return;
      }
      pending -= 1;
      // Reservations are taken synchronously, so concurrent workers never overspend.
      requestsLeft -= perSourceRequests;
      kvLeft -= STATE_OPS;
      // A fair share of what is left for item writes: sources running at once do not starve each other.
      const sharing = Math.min(config.concurrency, pending + 1);
      const maxWriteOps = Math.max(0, Math.floor((kvLeft - STATE_OPS * pending) / sharing));
      kvLeft -= maxWriteOps;
      // Rounded up, so a share is never 0 while any item is left (stopReason saw at least one).
      const maxNewItems = Math.ceil(itemsLeft / sharing);
      itemsLeft -= maxNewItems;
      await refreshOne(source, maxWriteOps, maxNewItems, false);
    }
  };
  await Promise.all(Array.from({ length: Math.min(config.concurrency, queue.length) }, worker));

  // Last, what the shares left unused goes to the parts just stored, in due order: nothing else
  // starts this tick, so the sources not started need no reservation. Their first part's state
  // write released their claims: they are claimed again (one call per shard, no KV operation).
  const claimedAgain = new Set<string>();
  if (continuing.size > 0 && allFinished) {
    pending = 0;
    const again = fresh.flatMap((s) => continuing.get(s.id) ?? []);
    const reclaimed = await claimSources(env.ARTICLE_WRITER, again.map((s) => ({ id: s.id, token: crypto.randomUUID() })), deps.now()).catch(() => undefined);
    for (const [id, token] of reclaimed?.granted ?? []) {
      tokens.set(id, token);
      claimedAgain.add(id);
    }
    await takeUpParts(again.filter((s) => reclaimed?.granted.has(s.id)), false);
  }
  report.continued = continuing.size;
  const done = new Set(report.refreshed.map((r) => r.id));
  // Claimed but not refreshed (a budget stopped the tick, or storage failed), or claimed again for a
  // part the budget then did not reach: free for the next refresh now. A claim a state write
  // already released is released again at no harm (only its own token's row would go).
  const unfinished = sources.filter((s) => !done.has(s.id) || claimedAgain.has(s.id)).map((s) => ({ id: s.id, token: tokens.get(s.id) ?? "" }));
  if (unfinished.length > 0) await releaseSourceClaims(env.ARTICLE_WRITER, unfinished).catch((error: unknown) => console.error("releasing claims failed; they expire", error));
  report.left = report.due - done.size - report.errors.length + continuing.size;
  report.kvOps = config.kvOps - kvLeft;
  return report;
}

function describe(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 300) || "unknown error";
}
