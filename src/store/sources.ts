/**
 * Upstream sources in KV: one key per source, `source:{id}` → the Source record (JSON), with
 * metadata `{d: next due (unix ms)}` so that scheduling needs only a list of the prefix. No shared
 * key is ever read-modified-written: the admin API creates and deletes a source's own key, the
 * refresh job overwrites it with the new state (a claimed refresh through the writer holding its
 * claim, store/claims.ts). Everything read back is validated; a record that
 * no longer parses is skipped (and reported by `listSources` as unreadable).
 *
 * KV operations:
 *   listDue:      ⌈S/1000⌉ lists (S sources), nothing else
 *   getSources:   ⌈n/100⌉ bulk reads
 *   listSources:  ⌈S/1000⌉ lists + ⌈S/100⌉ bulk reads
 *   putSource, putClaimCopy: 1 write;  deleteSource: 1 read + 1 delete;  getSource: 1 read
 *
 * Claims (store/claims.ts holds them, in the article writers' SQLite, with compare-and-set): a
 * claimed source carries a copy, `claim {token, until}` in its record and `c` (until, unix ms) in
 * its metadata, written by `putClaimCopy`, so the cron skips it from the list alone and GET
 * /api/sources shows it. The copy only filters and informs; whether a refresh may run, and whether
 * its state lands, the claims decide (a copy may lag: KV shows a write elsewhere within a minute).
 *
 * A source in the middle of a document (refresh/resume.ts) carries `r` (until when its next part
 * waits, unix ms) in its metadata the same way, so the tick finds those without reading a record.
 */
import { type Source, SourceSchema } from "../domain/source";
import { SOURCE_PREFIX, sourceKey } from "./keys";

/** Metadata on every source key. */
export interface SourceListMeta {
  /** next_due, unix ms. */
  d: number;
  /** claim.until, unix ms, while the source is claimed. */
  c?: number;
  /** retention.max_age_days, when the source has one: the retention sweep reads rules from the list alone. */
  k?: number;
  /** retention.max_count, when the source has one. */
  n?: number;
  /** resume.until, unix ms, while a document part waits (refresh/resume.ts): the tick takes those first. */
  r?: number;
}

const BULK_GET_MAX = 100;

export async function getSource(kv: KVNamespace, id: string): Promise<Source | null> {
  return parseSource(await kv.get(sourceKey(id), "json"));
}

/** Bulk read, 100 keys per KV operation; missing or unreadable records are left out. */
export async function getSources(kv: KVNamespace, ids: readonly string[]): Promise<Source[]> {
  const found: Source[] = [];
  for (let start = 0; start < ids.length; start += BULK_GET_MAX) {
    const chunk = ids.slice(start, start + BULK_GET_MAX);
    const values = await kv.get(chunk.map(sourceKey), "json");
    for (const id of chunk) {
      const source = parseSource(values.get(sourceKey(id)));
      if (source) found.push(source);
    }
  }
  return found;
}

export async function putSource(kv: KVNamespace, source: Source): Promise<void> {
  const claimedUntil = source.claim === undefined ? NaN : Date.parse(source.claim.until);
  const keep = source.retention?.max_age_days;
  const count = source.retention?.max_count;
  const resumeUntil = source.resume === undefined ? NaN : Date.parse(source.resume.until);
  const meta: SourceListMeta = {
    d: Date.parse(source.next_due) || 0,
    ...(Number.isFinite(claimedUntil) && { c: claimedUntil }),
    ...(typeof keep === "number" && { k: keep }),
    ...(typeof count === "number" && { n: count }),
    ...(Number.isFinite(resumeUntil) && { r: resumeUntil }),
  };
  await kv.put(sourceKey(source.id), JSON.stringify(source), { metadata: meta });
}

/** The source with the copy of the claim `token` holds until `untilMs`, written (store/claims.ts took the claim). */
export async function putClaimCopy(kv: KVNamespace, source: Source, token: string, untilMs: number): Promise<Source> {
  const claimed: Source = { ...source, claim: { token, until: new Date(untilMs).toISOString() } };
  await putSource(kv, claimed);
  return claimed;
}

/** Removes a source. Returns whether there was one. Its articles stay (they are articles now). */
export async function deleteSource(kv: KVNamespace, id: string): Promise<boolean> {
  const existing = await kv.get(sourceKey(id), "text");
  if (existing === null) return false;
  await kv.delete(sourceKey(id));
  return true;
}

/** A source as its key's metadata describes it; 0 for a time the metadata does not carry. */
export interface DueEntry {
  id: string;
  dueMs: number;
  claimedUntilMs: number;
  /** Until when a document part waits for this source (0: none). */
  resumeUntilMs: number;
  /** The source's retention rule (`k`, `n`), when it has one: the retention sweep needs no list of its own. */
  keepDays?: number;
  keepCount?: number;
}

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v > 0;

/** Every source id with its due time, from the key list alone (follows the cursor through short pages). */
export async function listDue(kv: KVNamespace): Promise<DueEntry[]> {
  const due: DueEntry[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await kv.list<SourceListMeta>({ prefix: SOURCE_PREFIX, cursor });
    for (const key of page.keys) {
      const d = key.metadata?.d;
      const c = key.metadata?.c;
      const r = key.metadata?.r;
      const { k, n } = key.metadata ?? {};
      // A key without metadata (written by hand, or by an older version) is due now.
      due.push({
        id: key.name.slice(SOURCE_PREFIX.length),
        dueMs: typeof d === "number" && Number.isFinite(d) ? d : 0,
        claimedUntilMs: typeof c === "number" && Number.isFinite(c) ? c : 0,
        resumeUntilMs: typeof r === "number" && Number.isFinite(r) ? r : 0,
        ...(isCount(k) && { keepDays: k }),
        ...(isCount(n) && { keepCount: n }),
      });
    }
    if (page.list_complete) return due;
    cursor = page.cursor;
  }
}

/** Every readable source, sorted by name then id; `unreadable` counts records that failed validation. */
export async function listSources(kv: KVNamespace): Promise<{ sources: Source[]; unreadable: number }> {
  const ids = (await listDue(kv)).map((entry) => entry.id);
  const sources = await getSources(kv, ids);
  sources.sort((a, b) => a.name.localeCompare(b.name, "en") || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { sources, unreadable: ids.length - sources.length };
}

function parseSource(raw: unknown): Source | null {
  if (raw === null || raw === undefined) return null;
  const parsed = SourceSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}
