/**
 * Refreshes one source: fetch (conditional, limited) → parse → map each item → normalize →
 * ingest (merge semantics) → record the new state on the source. I/O through the injected
 * `fetch` and `kv`; never throws for anything an upstream does: every failure is recorded on the
 * source (`last_status`, `last_error`, `consecutive_failures`, a backed-off `next_due`) and
 * returned in the report. Only a storage failure (KV, the article writers) can escape; the tick catches it.
 *
 * State rules:
 * - success (200 parsed, or 304): failures reset, next due after the interval, ETag/Last-Modified
 *   kept from the 200 (a 304 keeps the stored ones);
 * - a 200 whose changed items did not all fit the KV budget, or `maxNewItems`, the bound on the
 *   new items one invocation maps (refresh/config.ts, `REFRESH_ITEMS_PER_PART`): the rest of the document becomes a `Continuation` — the parsed items not
 *   yet processed, the document's validators and the fingerprints so far — which a follow-up
 *   refresh (`resume`) takes up without fetching or parsing again; the last part saves the state
 *   as for a whole document. With `allowContinuation` (the queue consumer) it is returned and
 *   nothing is saved on the source yet. Without it (the cron tick, a manual refresh) it is stored
 *   here (refresh/resume.ts, 1 write) and the source records the pending part (`resume`) and keeps
 *   everything else: its validators and fingerprints (the last whole document's), and its due time
 *   (at the latest now), so the next tick takes the part up first;
 * - failure: failures + 1, next due backed off (schedule.ts), Retry-After honoured, validators kept;
 * - a chain of permanent redirects (301/308) ending in success: `final_url` is fetched from then on.
 * The record is written only if the source still exists (re-read first): a source deleted while
 * it was being refreshed stays deleted, and configuration edited meanwhile is kept; and, for a
 * claimed refresh, only while its claim holds (store/claims.ts), the claim released by that write.
 */
import type { RefreshCounts, Source } from "../domain/source";
import { fetchUrlOf, tallyDaily } from "../domain/source";
import { type UpstreamDraft, ingestUpstream } from "../ingest/ingest";
import { sha256Hex } from "../ingest/ids";
import { normalizeArticle } from "../ingest/normalize";
import type { ArticleWriter } from "../store/article-writer";
import { finishSourceClaim } from "../store/claims";
import { getSource, putSource } from "../store/sources";
import type { TaxonomyIndex } from "../tags/resolve";
import type { ParseFeed, UpstreamItem } from "../upstream/types";
import type { RefreshConfig } from "./config";
import { type FetchResult, fetchUpstream } from "./fetch-upstream";
import { mapItem, sharedLinks } from "./map-item";
import type { BlockMatcher } from "../domain/block";
import { loadBlocks } from "../store/blocks";
import { RESUME_TTL_SECONDS, writeContinuation } from "./resume";
import { nextDueMs } from "./schedule";
import { hasRetention, retentionVerdict } from "../domain/retention";
import { rulesOf } from "../store/retention";

/** Items of one document looked at, at most: a feed of 10 000 items costs no more than this. */
export const MAX_ITEMS_PER_REFRESH = 200;

export interface RefreshDeps {
  kv: KVNamespace;
  /** The article writers (store/article-writer.ts) every article write goes through. */
  writers: DurableObjectNamespace<ArticleWriter>;
  fetch: (request: Request) => Promise<Response>;
  parse: ParseFeed;
  taxonomy: TaxonomyIndex;
  /** The taxonomy's version (its ETag): part of every item fingerprint, so an edit re-tags items. */
  taxonomyVersion?: string;
  config: RefreshConfig;
  /** The clock (epoch ms); read at the start and when the fetch is done. */
  now: () => number;
  /** Called once per HTTP request (redirect hops included). */
  onRequest?: () => void;
  /**
   * Runs the store step one source at a time within a tick: two feeds carrying the same story
   * would otherwise both read "no article yet" and the last write would drop the other's source.
   */
  exclusive?: <T>(work: () => Promise<T>) => Promise<T>;
}

export interface RefreshReport {
  id: string;
  url: string;
  outcome: "updated" | "not_modified" | "failed";
  /** HTTP status, or the kind of failure. */
  status: number | string;
  error?: string;
  /** Items in the document (a 304 has none). */
  items: number;
  /**
   * Items this refresh mapped and normalized: those not skipped as unchanged by their fingerprint.
   * What `maxNewItems` bounds; a caller sharing a bound gives back the rest of its share.
   */
  mapped: number;
  counts: RefreshCounts;
  /** HTTP requests made. */
  requests: number;
  /** KV operations used, reads and writes (writes estimated). */
  kvOps: number;
  next_due: string;
  final_url?: string;
  /** The document continues in a follow-up refresh (its remaining items were not processed yet). */
  continues?: boolean;
  /** A part stored by an earlier refresh was taken up: nothing was fetched or parsed. */
  resumed?: boolean;
}

/** A document refreshed in parts: what the next part needs (stored by refresh/resume.ts). */
export interface Continuation {
  /** When the document was fetched (undated items get this date in every part). */
  fetchedMs: number;
  status: number;
  etag?: string;
  lastModified?: string;
  finalUrl: string;
  movedTo?: string;
  language?: string;
  /** Items in the document. */
  itemsTotal: number;
  sharedUrls: string[];
  /** The items not processed yet, in document order. */
  items: UpstreamItem[];
  /** Fingerprints of the items processed so far, and what was done with them. */
  fingerprints: string[];
  counts: RefreshCounts;
  requests: number;
}

export interface RefreshOptions {
  maxWriteOps: number;
  /** Return a `continuation` instead of dropping the validators when the budget runs out. */
  allowContinuation?: boolean;
  /**
   * At most this many items that are not unchanged (new, changed or unfingerprinted) are mapped and
   * normalized (at least 1); the document continues after them, in the returned continuation or a
   * stored part. Bounds the refresh's CPU (refresh/config.ts, `REFRESH_ITEMS_PER_PART`).
   */
  maxNewItems?: number;
  /** Take up a document where a previous part stopped (no fetch, no parse). */
  resume?: Continuation;
  /**
   * The claim this refresh holds (store/claims.ts): the state is written only while it still
   * holds, and the claim released by that write. Without one (benchmarks) the state is just written.
   */
  claimToken?: string;
}

const NO_COUNTS: RefreshCounts = { created: 0, updated: 0, unchanged: 0, invalid: 0, deferred: 0 };

/** The fields the refresh job owns; everything else on the record is configuration. */
type RefreshState = Pick<
  Source,
  | "etag"
  | "last_modified"
  | "last_fetch"
  | "last_status"
  | "last_error"
  | "last_success"
  | "consecutive_failures"
  | "next_due"
  | "items_seen"
  | "last_counts"
  | "final_url"
  | "item_fingerprints"
  | "daily_created"
  | "resume"
>;

export async function refreshSource(
  deps: RefreshDeps,
  source: Source,
  options: RefreshOptions,
): Promise<{ source: Source | null; report: RefreshReport; continuation?: Continuation }> {
  const startedMs = deps.now();
  let result: FetchResult | { kind: "resumed"; resume: Continuation; finalUrl: string; requests: number; movedTo?: string };
  if (options.resume) {
    const resume = options.resume;
    result = { kind: "resumed", resume, finalUrl: resume.finalUrl, requests: 0, ...(resume.movedTo !== undefined && { movedTo: resume.movedTo }) };
  } else {
    try {
      result = await fetchUpstream(fetchUrlOf(source), {
        ...deps.config,
        fetch: deps.fetch,
        nowMs: startedMs,
        etag: source.etag,
        lastModified: source.last_modified,
        ...(deps.onRequest && { onRequest: deps.onRequest }),
      });
    } catch (error) {
      // fetchUpstream returns its failures; this is a defect, recorded rather than thrown.
      result = { kind: "failed", status: "internal", message: `fetch failed unexpectedly: ${describe(error)}`, finalUrl: fetchUrlOf(source), requests: 0 };
    }
  }
  const nowMs = deps.now();
  const base = { id: source.id, url: fetchUrlOf(source), requests: result.requests, ...(result.kind === "resumed" && { resumed: true }) };

  let state: RefreshState;
  let report: RefreshReport;
  let kvOps = 0;
  if (result.kind === "failed") {
    state = failure(source, nowMs, result.status, result.message, result.retryAtMs);
    report = { ...base, outcome: "failed", status: result.status, error: result.message, items: 0, mapped: 0, counts: NO_COUNTS, kvOps, next_due: state.next_due };
  } else if (result.kind === "not_modified") {
    state = success(source, nowMs, { last_status: 304, last_counts: NO_COUNTS, ...(result.movedTo !== undefined && { final_url: result.movedTo }) });
    report = { ...base, outcome: "not_modified", status: 304, items: 0, mapped: 0, counts: NO_COUNTS, kvOps, next_due: state.next_due };
  } else {
    let doc: Continuation | { error: string };
    if (result.kind === "resumed") doc = result.resume;
    else doc = parseDocument(deps, result, nowMs);
    if ("error" in doc) {
      state = failure(source, nowMs, "parse_error", doc.error);
      report = { ...base, outcome: "failed", status: "parse_error", error: doc.error, items: 0, mapped: 0, counts: NO_COUNTS, kvOps, next_due: state.next_due };
    } else {
      const maxNewItems = options.maxNewItems === undefined ? Number.POSITIVE_INFINITY : Math.max(1, options.maxNewItems);
      const processed = await processItems(deps, source, doc, nowMs, options.maxWriteOps, maxNewItems);
      kvOps += processed.kvOps;
      const counts = processed.counts;
      const complete = processed.rest.length === 0;
      if (!complete) {
        const continuation: Continuation = { ...doc, items: processed.rest, fingerprints: processed.fingerprints, counts, requests: doc.requests + result.requests };
        if (options.allowContinuation) {
          report = { ...base, outcome: "updated", status: doc.status, items: doc.itemsTotal, mapped: processed.mapped, counts, kvOps, next_due: source.next_due, continues: true };
          return { source, report, continuation };
        }
        // Validators and fingerprints stay the last whole document's until this one is written
        // whole: a 304 meanwhile must not hide its rest, nor half of it vouch for unseen items.
        const pending = options.resume ? source.resume : undefined;
        if (pending && processed.rest.length === doc.items.length) {
          // Not one item further: the same part stays, and its expiry still runs, so a document
          // that never fits is fetched afresh in the end rather than carried on for ever.
          state = stateOf(source);
        } else {
          const next = pending ? { token: pending.token, part: pending.part + 1 } : { token: crypto.randomUUID(), part: 1 };
          await writeContinuation(deps.kv, source.id, next.token, next.part, continuation);
          kvOps += 1;
          state = {
            ...stateOf(source),
            resume: { ...next, url: fetchUrlOf(source), until: new Date(nowMs + RESUME_TTL_SECONDS * 1000).toISOString() },
            // Due at its own time, not behind everything that fell due meanwhile.
            next_due: new Date(Math.min(Date.parse(source.next_due) || 0, nowMs)).toISOString(),
          };
        }
        report = { ...base, outcome: "updated", status: doc.status, items: doc.itemsTotal, mapped: processed.mapped, counts, kvOps, next_due: state.next_due, continues: true };
      } else {
        state = success(source, nowMs, {
          last_status: doc.status,
          etag: doc.etag,
          last_modified: doc.lastModified,
          items_seen: doc.itemsTotal,
          last_counts: counts,
          item_fingerprints: processed.fingerprints,
          daily_created: tallyDaily(source.daily_created, nowMs, processed.counts.created),
          ...(doc.movedTo !== undefined && { final_url: doc.movedTo }),
        });
        report = { ...base, outcome: "updated", status: doc.status, items: doc.itemsTotal, mapped: processed.mapped, counts, kvOps, next_due: state.next_due };
      }
    }
  }
  if (state.final_url !== undefined && state.final_url !== source.final_url) report.final_url = state.final_url;

  const saved = await saveState(deps, source.id, state, options.claimToken);
  report.kvOps += 2;
  return { source: saved, report };
}

/** The fetched document parsed into the shape every part of its refresh works on. */
function parseDocument(deps: RefreshDeps, fetched: Extract<FetchResult, { kind: "fetched" }>, nowMs: number): Continuation | { error: string } {
  let parsed: ReturnType<ParseFeed>;
  try {
    // Relative links resolve against the body's Content-Location when it has one (RFC 3986 §5.1.2).
    parsed = deps.parse(fetched.body, { url: fetched.baseUrl, contentType: fetched.contentType });
  } catch (error) {
    // The parser's contract is to return failures; a throw is its defect, and still only this source's problem.
    return { error: `parser error: ${describe(error)}` };
  }
  if (!parsed.ok) return { error: `${parsed.error.reason}: ${parsed.error.message}` };
  const items = parsed.value.items.slice(0, MAX_ITEMS_PER_REFRESH);
  return {
    fetchedMs: nowMs,
    status: fetched.status,
    ...(fetched.etag !== undefined && { etag: fetched.etag }),
    ...(fetched.lastModified !== undefined && { lastModified: fetched.lastModified }),
    finalUrl: fetched.finalUrl,
    ...(fetched.movedTo !== undefined && { movedTo: fetched.movedTo }),
    ...(parsed.value.language !== undefined && { language: parsed.value.language }),
    itemsTotal: parsed.value.items.length,
    sharedUrls: [...sharedLinks(items)],
    items,
    fingerprints: [],
    counts: NO_COUNTS,
    requests: 0,
  };
}

interface Processed {
  counts: RefreshCounts;
  kvOps: number;
  /** Fingerprints of the document's items processed so far (this part's added to the earlier parts'). */
  fingerprints: string[];
  /** Items left for a later part (the budget ran out before them). */
  rest: UpstreamItem[];
  /** Items of this part mapped and normalized (not unchanged by fingerprint), deferred ones included. */
  mapped: number;
}

async function processItems(deps: RefreshDeps, source: Source, doc: Continuation, nowMs: number, maxWriteOps: number, maxNewItems: number): Promise<Processed> {
  const context = {
    source,
    taxonomy: deps.taxonomy,
    // Every part dates undated items alike: when the document was fetched.
    fetchedAtIso: new Date(doc.fetchedMs).toISOString(),
    feedLanguage: doc.language,
    sharedUrls: new Set(doc.sharedUrls),
  };
  // Items an admin blocked (store/blocks.ts) are skipped, counted, and not fingerprinted: a block
  // removed later lets them in at the next refresh. Read once, only when an item gets that far.
  let blocksRead: Promise<{ matcher: BlockMatcher; read: boolean }> | undefined;
  const salt = deps.taxonomyVersion === undefined ? undefined : fingerprintSalt(deps.taxonomyVersion, source);
  const seenBefore = new Set(source.item_fingerprints ?? []);
  // Retention (README, "Retention"): an item the sweep would remove at once were it stored on its
  // own — older than this source's age rule, or than `all` and every type it is tagged with — is
  // only merged into an article stored already (another source may keep it), never created.
  const keep = source.retention?.max_age_days;
  const rules = rulesOf(deps.taxonomy.taxonomy, new Map(typeof keep === "number" ? [[source.id, keep]] : []));
  const anyRule = hasRetention(rules);
  const expires = (draft: Parameters<typeof retentionVerdict>[0]): boolean => anyRule && retentionVerdict(draft, [source.id], rules, nowMs).action === "remove";
  // Items are independent: they are prepared together, so the digests of one (WebCrypto's are
  // asynchronous) overlap with the work on the others rather than each waiting its turn.
  const prepared = await Promise.all(
    (await partOf(doc.items, salt, seenBefore, maxNewItems)).map(async ({ item, fingerprint }, index): Promise<{ fingerprint?: string; unchanged?: true; blocked?: true; draft?: UpstreamDraft & { index: number } }> => {
      try {
        // An item identical to one of the last document (same taxonomy, same source settings) was
        // stored then: skipping it saves the mapping, sanitizing and auto-tagging, most of a
        // refresh's CPU when a feed answers 200 without validators.
        if (fingerprint !== undefined && seenBefore.has(fingerprint)) return { fingerprint, unchanged: true };
        const mapped = await mapItem(item, context);
        if (!mapped.ok) return { fingerprint };
        const normalized = await normalizeArticle(mapped.value.input, { taxonomy: deps.taxonomy, nowMs, contentBase: mapped.value.contentBase, linkAsGiven: true });
        if (!normalized.ok) return { fingerprint };
        blocksRead ??= loadBlocks(deps.kv);
        const { matcher } = await blocksRead;
        if (matcher.size > 0 && matcher.match({ url: normalized.value.url, sourceId: source.id, guid: item.guid })) return { blocked: true };
        const expired = !mapped.value.inventedDate && expires(normalized.value);
        return { fingerprint, draft: { draft: normalized.value, inventedDate: mapped.value.inventedDate, index, ...(expired && { expired }) } };
      } catch {
        return { fingerprint }; // one strange item never fails the source: it counts as invalid
      }
    }),
  );
  const fingerprints = prepared.map((p) => p.fingerprint);
  const drafts = prepared.flatMap((p) => (p.draft ? [p.draft] : []));
  let unchangedItems = prepared.filter((p) => p.unchanged).length;
  const blocked = prepared.filter((p) => p.blocked).length;
  const readBlocks = blocksRead !== undefined && (await blocksRead).read;
  let invalid = prepared.length - unchangedItems - blocked - drafts.length;
  const ingest = () => ingestUpstream({ kv: deps.kv, writers: deps.writers }, drafts, nowMs, { maxWriteOps });
  const ingested = await (deps.exclusive ? deps.exclusive(ingest) : ingest());
  // The document stops at the end of this part, or at the first deferred item (the first draft of
  // its id), and everything from there on, unchanged items included, is left for later: none is
  // fingerprinted as done.
  let stopAt = prepared.length;
  if (ingested.deferred > 0) {
    stopAt = drafts.find((d) => d.draft.id === ingested.firstDeferredId)?.index ?? stopAt;
    // Items before the stop that were skipped as invalid or unchanged stay counted; those after are not.
    invalid = 0;
    unchangedItems = 0;
    for (const [index, fingerprint] of fingerprints.entries()) {
      if (index >= stopAt) break;
      if (fingerprint !== undefined && seenBefore.has(fingerprint)) unchangedItems += 1;
      else if (!drafts.some((d) => d.index === index)) invalid += 1;
    }
  }
  const counts: RefreshCounts = {
    created: doc.counts.created,
    updated: doc.counts.updated,
    unchanged: doc.counts.unchanged + unchangedItems,
    invalid: doc.counts.invalid + invalid,
    deferred: ingested.deferred,
    ...(blocked > 0 && { blocked }),
    ...(doc.counts.expired !== undefined && { expired: doc.counts.expired }),
  };
  for (const outcome of ingested.outcomes) {
    if (outcome.status === "expired") counts.expired = (counts.expired ?? 0) + 1;
    else counts[outcome.status] += 1;
  }
  const done = fingerprints.slice(0, stopAt).filter((f): f is string => f !== undefined);
  const mapped = prepared.filter((p) => !p.unchanged).length;
  return { counts, kvOps: ingested.kvOps + (readBlocks ? 1 : 0), fingerprints: [...doc.fingerprints, ...done], rest: doc.items.slice(stopAt), mapped };
}

/**
 * The items of this part, from the start of what is left, with their fingerprints: as many as
 * hold at most `maxNewItems` items that are not unchanged (new, changed, or unfingerprinted),
 * whatever the number of unchanged ones among them. Fingerprinted in windows no wider than the
 * new items still wanted, so no item is fingerprinted twice and none past the part's end.
 */
async function partOf(items: readonly UpstreamItem[], salt: string | undefined, seenBefore: ReadonlySet<string>, maxNewItems: number): Promise<{ item: UpstreamItem; fingerprint: string | undefined }[]> {
  const part: { item: UpstreamItem; fingerprint: string | undefined }[] = [];
  let fresh = 0;
  while (part.length < items.length && fresh < maxNewItems) {
    const window = items.slice(part.length, part.length + (maxNewItems - fresh));
    // A fingerprint that cannot be made leaves the item unfingerprinted (prepared, never skipped).
    const fingerprints = await Promise.all(window.map((item) => (salt === undefined ? undefined : itemFingerprint(salt, item).catch(() => undefined))));
    for (const [k, item] of window.entries()) {
      const fingerprint = fingerprints[k];
      part.push({ item, fingerprint });
      if (fingerprint === undefined || !seenBefore.has(fingerprint)) fresh += 1;
    }
  }
  return part;
}

/** What an item's fingerprint depends on besides the item: the taxonomy and the source's tag settings. */
export function fingerprintSalt(taxonomyVersion: string, source: Pick<Source, "name" | "tags" | "autotag" | "autotag_types" | "retention">): string {
  // The retention rule too (only when set, so the others' fingerprints stay): a loosened rule lets expired items in.
  const settings = [source.name, source.tags, source.autotag, source.autotag_types ?? null, ...(source.retention ? [source.retention] : [])];
  return `${taxonomyVersion}\n${JSON.stringify(settings)}`;
}

/**
 * An item's fingerprint, kept in `item_fingerprints`: 96 bits of SHA-256 of the salt and the
 * parsed item. Stored on every source, so it must never change for the same item and settings.
 */
export async function itemFingerprint(salt: string, item: UpstreamItem): Promise<string> {
  return (await sha256Hex(`${salt}\n${JSON.stringify(item)}`)).slice(0, 24);
}

function success(source: Source, nowMs: number, changes: Partial<RefreshState>): RefreshState {
  const nowIso = new Date(nowMs).toISOString();
  return {
    ...stateOf(source),
    last_fetch: nowIso,
    last_error: undefined,
    last_success: nowIso,
    consecutive_failures: 0,
    next_due: new Date(nextDueMs({ nowMs, intervalMinutes: source.interval_minutes, failures: 0 })).toISOString(),
    // Whatever part was pending is done with (or was not taken up, and this refresh fetched afresh).
    resume: undefined,
    ...changes,
  };
}

function failure(source: Source, nowMs: number, status: number | string, message: string, retryAtMs?: number): RefreshState {
  const failures = source.consecutive_failures + 1;
  return {
    ...stateOf(source),
    last_fetch: new Date(nowMs).toISOString(),
    last_status: status,
    last_error: message,
    consecutive_failures: failures,
    next_due: new Date(nextDueMs({ nowMs, intervalMinutes: source.interval_minutes, failures, retryAtMs })).toISOString(),
    resume: undefined,
  };
}

function stateOf(source: Source): RefreshState {
  const { etag, last_modified, last_fetch, last_status, last_error, last_success, consecutive_failures, next_due, items_seen, last_counts, final_url, item_fingerprints, daily_created, resume } =
    source;
  return { etag, last_modified, last_fetch, last_status, last_error, last_success, consecutive_failures, next_due, items_seen, last_counts, final_url, item_fingerprints, daily_created, resume };
}

/**
 * Writes the state onto the source as it is now in KV (re-read), unless it was deleted meanwhile.
 * A claimed refresh writes through the writer holding its claim, which releases it in the same
 * step; if the claim was taken over (it expired and another refresh took it), the state is not
 * written and the record is returned as it is. A success clears the record of an earlier
 * dead-lettered refresh.
 */
async function saveState(deps: RefreshDeps, id: string, state: RefreshState, claimToken: string | undefined): Promise<Source | null> {
  const current = await getSource(deps.kv, id);
  if (!current) return null;
  const next = dropUndefined({ ...current, ...state });
  if (state.last_error === undefined) delete next.dead_letter;
  if (claimToken === undefined) {
    await putSource(deps.kv, next);
    return next;
  }
  delete next.claim;
  return (await finishSourceClaim(deps.writers, claimToken, next)) ? next : current;
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function describe(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 200) || "unknown error";
}
