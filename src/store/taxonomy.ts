/**
 * The taxonomy document in KV (`taxonomy`), falling back to the shipped default. The compiled
 * index is memoized per isolate on the stored text, so a warm Worker compiles it once per edit.
 */
import { type Taxonomy, TaxonomySchema } from "../domain/taxonomy";
import { DEFAULT_TAXONOMY } from "../tags/default-taxonomy";
import { type TaxonomyIndex, compileTaxonomy } from "../tags/resolve";
import { TAXONOMY_KEY } from "./keys";

let memo: { raw: string | null; taxonomy: Taxonomy; index: TaxonomyIndex } | undefined;

export async function loadTaxonomy(kv: KVNamespace): Promise<{ taxonomy: Taxonomy; index: TaxonomyIndex }> {
  const raw = await kv.get(TAXONOMY_KEY, "text");
  if (memo && memo.raw === raw) return memo;
  let taxonomy = DEFAULT_TAXONOMY;
  if (raw !== null) {
    const parsed = TaxonomySchema.safeParse(safeJson(raw));
    // A stored document is validated on the way in; one that no longer parses falls back to the default.
    if (parsed.success) taxonomy = parsed.data;
  }
  memo = { raw, taxonomy, index: compileTaxonomy(taxonomy) };
  return memo;
}

export async function saveTaxonomy(kv: KVNamespace, taxonomy: Taxonomy): Promise<void> {
  await kv.put(TAXONOMY_KEY, JSON.stringify(taxonomy));
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
