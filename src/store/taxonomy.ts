/**
 * The taxonomy document in KV (`taxonomy`), falling back to the shipped default. The compiled
 * index is memoized per isolate on the stored text, so a warm Worker compiles it once per edit.
 * Hot paths (feeds, ingest) reuse the memo for up to `TAXONOMY_MAX_AGE_MS` without reading the key:
 * a feed read then costs no taxonomy read, and another isolate sees an edit within that time (KV
 * itself takes up to a minute to propagate one). The admin API loads with `maxAgeMs: 0`, so its
 * If-Match checks always compare against the stored document; `saveTaxonomy` replaces the memo,
 * so the isolate that made an edit sees it at once.
 *
 * The document is the one key tagfeed edits by read-modify-write. That is acceptable because
 * only admins edit it, rarely; concurrent edits are last-writer-wins. The `etag` (a digest of the
 * document as served) lets the admin API honour `If-Match`, so an edit made from a stale copy is
 * refused with 412 instead of silently undoing another. (KV has no compare-and-swap: two edits
 * racing within the same moment, or across locations within KV's propagation delay, can still
 * both pass the check — the window is small for human-paced edits, not zero.)
 */
import { type Taxonomy, TaxonomySchema } from "../domain/taxonomy";
import { DEFAULT_TAXONOMY } from "../tags/default-taxonomy";
import { type TaxonomyIndex, compileTaxonomy } from "../tags/resolve";
import { TAXONOMY_KEY } from "./keys";

export interface LoadedTaxonomy {
  taxonomy: Taxonomy;
  index: TaxonomyIndex;
  /** Strong entity tag of the document as served (`"…"`), for ETag / If-Match. */
  etag: string;
}

export const TAXONOMY_MAX_AGE_MS = 30_000;

let memo: ({ raw: string | null; loadedAt: number } & LoadedTaxonomy) | undefined;

export async function loadTaxonomy(kv: KVNamespace, options: { maxAgeMs?: number } = {}): Promise<LoadedTaxonomy> {
  const now = Date.now();
  if (memo && now - memo.loadedAt < (options.maxAgeMs ?? TAXONOMY_MAX_AGE_MS)) return memo;
  const raw = await kv.get(TAXONOMY_KEY, "text");
  if (memo && memo.raw === raw) {
    memo.loadedAt = now;
    return memo;
  }
  let taxonomy = DEFAULT_TAXONOMY;
  if (raw !== null) {
    const parsed = TaxonomySchema.safeParse(safeJson(raw));
    // A stored document is validated on the way in; one that no longer parses falls back to the default.
    if (parsed.success) taxonomy = parsed.data;
    else console.error("stored taxonomy does not parse; serving the default", parsed.error.issues.slice(0, 5));
  }
  memo = { raw, loadedAt: Date.now(), taxonomy, index: compileTaxonomy(taxonomy), etag: await taxonomyEtag(taxonomy) };
  return memo;
}

/** Stores a validated document and makes it this isolate's memo. Returns it as loaded. */
export async function saveTaxonomy(kv: KVNamespace, taxonomy: Taxonomy): Promise<LoadedTaxonomy> {
  const raw = JSON.stringify(taxonomy);
  await kv.put(TAXONOMY_KEY, raw);
  memo = { raw, loadedAt: Date.now(), taxonomy, index: compileTaxonomy(taxonomy), etag: await taxonomyEtag(taxonomy) };
  return memo;
}

/** The document as served by `GET /api/taxonomy`: the ETag is a digest of exactly these bytes. */
export const serializeTaxonomy = (taxonomy: Taxonomy): string => `${JSON.stringify(taxonomy, null, 2)}\n`;

async function taxonomyEtag(taxonomy: Taxonomy): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(serializeTaxonomy(taxonomy)));
  const hex = [...new Uint8Array(digest).subarray(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `"tx-${hex}"`;
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
