/**
 * The taxonomy document in KV (`taxonomy`), falling back to the shipped default. The compiled
 * index is memoized per isolate on the stored text, so a warm Worker compiles it once per edit.
 * Hot paths (feeds, ingest) reuse the memo for up to `TAXONOMY_MAX_AGE_MS` without reading the key:
 * a feed read then costs no taxonomy read, and another isolate sees an edit within that time (KV
 * itself takes up to a minute to propagate one). The admin API loads with `maxAgeMs: 0`, so its
 * If-Match checks are made by the writer against its own copy; `rememberTaxonomy` replaces the
 * memo, so the isolate that made an edit sees it at once.
 *
 * Edits never read-modify-write this key: KV has no compare-and-swap, so two edits racing would
 * lose one. They go to one Durable Object (store/taxonomy-writer.ts) that holds the authoritative
 * document, applies edits one at a time and writes each result through to this key for readers.
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

/** The document stored as `raw`, or the default when there is none or it no longer parses. */
export function parseStoredTaxonomy(raw: string | null): Taxonomy {
  if (raw === null) return DEFAULT_TAXONOMY;
  const parsed = TaxonomySchema.safeParse(safeJson(raw));
  // A stored document is validated on the way in; one that no longer parses falls back to the default.
  if (parsed.success) return parsed.data;
  console.error("stored taxonomy does not parse; serving the default", parsed.error.issues.slice(0, 5));
  return DEFAULT_TAXONOMY;
}

export async function loadTaxonomy(kv: KVNamespace, options: { maxAgeMs?: number } = {}): Promise<LoadedTaxonomy> {
  const now = Date.now();
  if (memo && now - memo.loadedAt < (options.maxAgeMs ?? TAXONOMY_MAX_AGE_MS)) return memo;
  const raw = await kv.get(TAXONOMY_KEY, "text");
  if (memo && memo.raw === raw) {
    memo.loadedAt = now;
    return memo;
  }
  const taxonomy = parseStoredTaxonomy(raw);
  memo = { raw, loadedAt: Date.now(), taxonomy, index: compileTaxonomy(taxonomy), etag: await taxonomyEtag(taxonomy) };
  return memo;
}

/**
 * After the single writer (store/taxonomy-writer.ts) stored an edit: this isolate's memo becomes
 * that document at once, so the admin who made the edit sees it on the next request.
 */
export async function rememberTaxonomy(raw: string): Promise<LoadedTaxonomy> {
  const taxonomy = parseStoredTaxonomy(raw);
  memo = { raw, loadedAt: Date.now(), taxonomy, index: compileTaxonomy(taxonomy), etag: await taxonomyEtag(taxonomy) };
  return memo;
}

/** The document as served by `GET /api/taxonomy`: the ETag is a digest of exactly these bytes. */
export const serializeTaxonomy = (taxonomy: Taxonomy): string => `${JSON.stringify(taxonomy, null, 2)}\n`;

export async function taxonomyEtag(taxonomy: Taxonomy): Promise<string> {
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
