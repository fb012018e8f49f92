/**
 * Tag resolution against the taxonomy. Pure. No I/O. Deterministic.
 *
 * - `compileTaxonomy` turns a (validated) Taxonomy into lookup maps, once per document.
 * - `resolveTag` / `resolveTags`: what a submitted tag (`{type, name}` or a bare string) becomes.
 * - `findTag`: what a URL segment names, for routing (canonical, or a 301 to the canonical slug).
 *
 * Spellings are compared by `matchKey` (slugify.ts): name, aliases, slug and former slugs all
 * count. A compiled taxonomy that breaks TaxonomySchema's uniqueness rules still compiles
 * deterministically: the first entry (in document order) wins a contested key.
 */
import type { Tag, TagInput } from "../domain/tag";
import type { TagTypeDef, Taxonomy, TaxonomyEntry } from "../domain/taxonomy";
import { matchKey, slugify, tidyName } from "./slugify";

/** The type a bare string gets when no taxonomy entry claims it. */
export const DEFAULT_TAG_TYPE = "topic";

export interface CompiledEntry {
  /** Position in `taxonomy.entries`. */
  readonly index: number;
  /** The canonical tag: `{type, name, slug}`, slug explicit or derived from the name. */
  readonly tag: Tag;
  readonly entry: TaxonomyEntry;
}

/**
 * A compiled taxonomy. Treat as opaque outside src/tags: build it with `compileTaxonomy`, pass it
 * to the functions here and in autotag.ts. The fields are readonly and may change shape.
 */
export interface TaxonomyIndex {
  readonly taxonomy: Taxonomy;
  /** Declared types, in document order. */
  readonly types: ReadonlyMap<string, TagTypeDef>;
  /** Every entry, in document order. */
  readonly entries: readonly CompiledEntry[];
  /** `type + "\0" + matchKey` (of name, aliases, slug, former slugs) → entry. */
  readonly byTypeKey: ReadonlyMap<string, CompiledEntry>;
  /** `matchKey` → entries of every type holding it, in type priority order. */
  readonly byKey: ReadonlyMap<string, readonly CompiledEntry[]>;
  /** `type + "\0" + slug` (canonical or former) → entry, and whether the slug is canonical. */
  readonly bySlug: ReadonlyMap<string, { readonly entry: CompiledEntry; readonly canonical: boolean }>;
}

const join = (type: string, key: string): string => `${type}\u0000${key}`;

/**
 * Precompute the lookup maps. Linear in the number of spellings; the default taxonomy compiles in
 * well under a millisecond. The result is frozen.
 *
 * Type priority for bare strings is the order of `taxonomy.types` (undeclared types of entries
 * come after, in order of first appearance).
 */
export function compileTaxonomy(taxonomy: Taxonomy): TaxonomyIndex {
  const types = new Map<string, TagTypeDef>();
  for (const def of taxonomy.types) if (!types.has(def.type)) types.set(def.type, def);

  const entries: CompiledEntry[] = taxonomy.entries.map((entry, index) => ({
    index,
    entry,
    tag: Object.freeze({ type: entry.type, name: entry.name, slug: entry.slug ?? slugify(entry.name) }),
  }));

  const priority = new Map<string, number>();
  for (const type of types.keys()) priority.set(type, priority.size);
  for (const { entry } of entries) if (!priority.has(entry.type)) priority.set(entry.type, priority.size);

  const bySlug = new Map<string, { entry: CompiledEntry; canonical: boolean }>();
  for (const compiled of entries) {
    const key = join(compiled.tag.type, compiled.tag.slug);
    if (!bySlug.has(key)) bySlug.set(key, { entry: compiled, canonical: true });
  }
  for (const compiled of entries) {
    for (const former of compiled.entry.former_slugs) {
      const key = join(compiled.tag.type, former);
      if (!bySlug.has(key)) bySlug.set(key, { entry: compiled, canonical: false });
    }
  }

  const byTypeKey = new Map<string, CompiledEntry>();
  const byKeyLists = new Map<string, CompiledEntry[]>();
  for (const compiled of entries) {
    const { entry, tag } = compiled;
    const spellings = [entry.name, ...entry.aliases, tag.slug, ...entry.former_slugs];
    for (const spelling of spellings) {
      const key = matchKey(spelling);
      if (key === "") continue;
      const typed = join(tag.type, key);
      if (byTypeKey.has(typed)) continue;
      byTypeKey.set(typed, compiled);
      const list = byKeyLists.get(key);
      if (list) list.push(compiled);
      else byKeyLists.set(key, [compiled]);
    }
  }
  const rank = (c: CompiledEntry) => priority.get(c.tag.type) ?? Number.MAX_SAFE_INTEGER;
  for (const list of byKeyLists.values()) list.sort((a, b) => rank(a) - rank(b) || a.index - b.index);

  return Object.freeze({ taxonomy, types, entries, byTypeKey, byKey: byKeyLists, bySlug });
}

/** The entry of `type` spelled `text` (by match key, then by slug), if any. */
function lookupTyped(index: TaxonomyIndex, type: string, text: string): CompiledEntry | undefined {
  const byKey = index.byTypeKey.get(join(type, matchKey(text)));
  if (byKey) return byKey;
  // A spelling that slugifies onto an entry's slug ("Almaty!") must not become a second tag with
  // that slug: it is the entry.
  return index.bySlug.get(join(type, slugify(text)))?.entry;
}

/** The highest-priority entry of any type spelled `text`, if any. */
function lookupBare(index: TaxonomyIndex, text: string): CompiledEntry | undefined {
  const byKey = index.byKey.get(matchKey(text))?.[0];
  if (byKey) return byKey;
  const slug = slugify(text);
  for (const type of index.types.keys()) {
    const hit = index.bySlug.get(join(type, slug));
    if (hit) return hit.entry;
  }
  return undefined;
}

/**
 * The canonical tag for a submitted tag.
 * - `{type, name}`: the entry of that type spelled `name` (name, alias, slug or former slug), else
 *   a new tag `{type, name: tidied, slug: slugify(name)}`.
 * - a bare string: the entry of any type spelled so (type priority: the order of
 *   `taxonomy.types`), else a new `topic` tag.
 * Input is assumed valid per TagInputSchema.
 */
export function resolveTag(index: TaxonomyIndex, input: TagInput): Tag {
  // A feed's items repeat the same few categories and auto-tags, and a refresh resolves each
  // item's tags twice (map, then normalize): the answer is a pure function of index and input.
  let memo = resolved.get(index);
  if (!memo) {
    memo = new Map();
    resolved.set(index, memo);
  }
  // A type is a lowercase word, so a typed key never starts with U+0000 as a bare one does.
  const key = typeof input === "string" ? `\u0000${input}` : `${input.type}\u0000${input.name}`;
  const known = memo.get(key);
  if (known) return { ...known };
  const tag = resolveUncached(index, input);
  if (memo.size >= RESOLVED_MAX) memo.clear();
  memo.set(key, tag);
  return { ...tag };
}

/** Resolved tags remembered per index, at most this many (then forgotten at once). */
const RESOLVED_MAX = 4096;
const resolved = new WeakMap<TaxonomyIndex, Map<string, Tag>>();

function resolveUncached(index: TaxonomyIndex, input: TagInput): Tag {
  if (typeof input === "string") {
    const hit = lookupBare(index, input);
    if (hit) return { ...hit.tag };
    return newTag(DEFAULT_TAG_TYPE, input);
  }
  const hit = lookupTyped(index, input.type, input.name);
  if (hit) return { ...hit.tag };
  return newTag(input.type, input.name);
}

function newTag(type: string, name: string): Tag {
  return { type, name: tidyName(name), slug: slugify(name) };
}

/** Resolve each input; drop later duplicates (same type and slug), keeping first-seen order. */
export function resolveTags(index: TaxonomyIndex, inputs: readonly TagInput[]): Tag[] {
  const seen = new Set<string>();
  const tags: Tag[] = [];
  for (const input of inputs) {
    const tag = resolveTag(index, input);
    const key = join(tag.type, tag.slug);
    if (seen.has(key)) continue;
    seen.add(key);
    tags.push(tag);
  }
  return tags;
}

/**
 * The taxonomy entry a URL segment names, for routing `/feeds/{type}/{slug}`:
 * - the exact canonical slug → `{tag, canonical: true}`;
 * - a former slug, an alias, the name, another case or spelling, percent-encoded or not
 *   (`nur-sultan`, `ALMATY`, `Алматы`, `%D0%90%D0%BB...`) → `{tag, canonical: false}`: answer 301
 *   to the canonical path.
 * Only taxonomy entries are found: tags that exist only in storage (new topics, typed tags the
 * taxonomy does not list) are the store's business — look there when this returns undefined.
 */
export function findTag(
  index: TaxonomyIndex,
  type: string,
  slugOrName: string,
): { tag: Tag; canonical: boolean } | undefined {
  const exact = index.bySlug.get(join(type, slugOrName));
  if (exact) return { tag: { ...exact.entry.tag }, canonical: exact.canonical };
  const hit = lookupTyped(index, type, percentDecode(slugOrName));
  return hit ? { tag: { ...hit.tag }, canonical: false } : undefined;
}

function percentDecode(text: string): string {
  if (!text.includes("%")) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Display label of a tag type: the taxonomy's, else the type capitalized (`event` → `Event`). */
export function tagTypeLabel(index: TaxonomyIndex, type: string): string {
  const label = index.types.get(type)?.label;
  if (label !== undefined) return label;
  const words = type.replace(/_+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The taxonomy's canonical tags (of one type, or all), in document order. */
export function taxonomyTags(index: TaxonomyIndex, type?: string): Tag[] {
  return index.entries.filter((c) => type === undefined || c.tag.type === type).map((c) => ({ ...c.tag }));
}
