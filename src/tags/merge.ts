/**
 * Taxonomy edits and tag merges. Pure. No I/O: each edit takes the current Taxonomy and returns
 * the next one, validated as a whole with TaxonomySchema, or a failure with a tagged reason the
 * route maps to a status (`not_found` 404, `conflict` 409, `invalid` 400). `retagArticle` uses
 * WebCrypto digests only.
 *
 * Rules (README, "Tags and the taxonomy"):
 * - Slugs are stable: an entry keeps its slug unless a new one is given, and every slug it gives
 *   up stays in `former_slugs`, so old feed URLs answer 301. Entry updates never drop a former
 *   slug (an import of the whole document can).
 * - A name an entry gives up stays one of its aliases, so publishers' old spelling still resolves.
 * - Merging `from` into `into` (one type): from's name, aliases, slug and former slugs move onto
 *   `into`, and from's own entry (if it had one) is dropped; `into` gets an entry built from its
 *   stored tag when the taxonomy has none. Spellings another entry already claims are left to it.
 * - `retagArticle`: the article with `from` replaced by `into` in place (later duplicates dropped,
 *   as resolveTags drops them) and `rev` recomputed by `reviseDraft`, the digest normalize takes —
 *   so a re-delivery of the unmerged article, which now resolves to `into`, is `unchanged`.
 */
import * as z from "zod";
import type { Article } from "../domain/article";
import { type FieldError, PARSE_REPORTING, type Result, err, joinPath, ok, toFieldError } from "../domain/result";
import { TagNameSchema, TagSlugSchema, TagTypeSchema, type Tag } from "../domain/tag";
import { TagTypeDefSchema, type TagTypeDef, type Taxonomy, type TaxonomyEntry, TaxonomyEntrySchema, TaxonomySchema } from "../domain/taxonomy";
import { type ArticleDraft, reviseDraft } from "../ingest/normalize";
import { type TaxonomyIndex, compileTaxonomy } from "./resolve";
import { matchKey, slugify } from "./slugify";

export type EditFailure =
  | { reason: "not_found"; message: string }
  | { reason: "conflict"; message: string; fields: FieldError[] }
  | { reason: "invalid"; message: string; fields: FieldError[] };

export type Edit<T> = Result<T & { taxonomy: Taxonomy }, EditFailure>;

/** `POST /api/taxonomy/entries`: an entry as in the document; unknown fields are refused (typos). */
export const EntryCreateSchema = z.strictObject({ ...TaxonomyEntrySchema.shape });
export type EntryCreate = z.infer<typeof EntryCreateSchema>;

/** `PUT /api/taxonomy/entries/{type}/{slug}`: fields left out keep their value. */
export const EntryUpdateSchema = z.strictObject({
  /** Accepted only when it equals the path's type: an entry never changes type. */
  type: TagTypeSchema.optional(),
  name: TagNameSchema.optional(),
  slug: TagSlugSchema.optional(),
  aliases: z.array(TagNameSchema).optional(),
  /** Added to the entry's former slugs (they are never dropped here). */
  former_slugs: z.array(TagSlugSchema).optional(),
  autotag_exclude: z.array(TagNameSchema).optional(),
});
export type EntryUpdate = z.infer<typeof EntryUpdateSchema>;

export const TypeCreateSchema = z.strictObject({ ...TagTypeDefSchema.shape });

export const TagRefSchema = z.strictObject({ type: TagTypeSchema, slug: TagSlugSchema });
export type TagRef = z.infer<typeof TagRefSchema>;

/** `POST /api/tags/merge` */
export const MergeRequestSchema = z.strictObject({ from: TagRefSchema, into: TagRefSchema });

export const canonicalSlug = (entry: Pick<TaxonomyEntry, "name" | "slug">): string => entry.slug ?? slugify(entry.name);

export const entryTag = (entry: TaxonomyEntry): Tag => ({ type: entry.type, name: entry.name, slug: canonicalSlug(entry) });

/** Position of the entry whose canonical slug this is, or -1. */
export function findEntry(taxonomy: Taxonomy, type: string, slug: string): number {
  return taxonomy.entries.findIndex((e) => e.type === type && canonicalSlug(e) === slug);
}

/** The entry that lists `slug` among its former slugs, if any. */
export function formerOwner(taxonomy: Taxonomy, type: string, slug: string): TaxonomyEntry | undefined {
  return taxonomy.entries.find((e) => e.type === type && e.former_slugs.includes(slug));
}

/** Validates a whole document; every problem, with its JSON path (`entries[3].aliases[0]`). */
export function validateTaxonomy(candidate: unknown): Result<Taxonomy, FieldError[]> {
  const parsed = TaxonomySchema.safeParse(candidate, PARSE_REPORTING);
  return parsed.success ? ok(parsed.data) : err(parsed.error.issues.map((issue) => toFieldError("", issue)));
}


export function createEntry(taxonomy: Taxonomy, input: EntryCreate): Edit<{ entry: TaxonomyEntry }> {
  if (!taxonomy.types.some((t) => t.type === input.type)) {
    return invalid([{ path: "type", reason: `type "${input.type}" is not declared; POST /api/taxonomy/types first` }]);
  }
  // The slug is written out, so a later rename of the entry never moves its URL.
  const entry = withoutEmptyExclude({ ...input, slug: canonicalSlug(input) });
  const clash = collisions(compileTaxonomy(taxonomy), entry, -1);
  if (clash.length > 0) return conflict(clash);
  return commit(taxonomy, [...taxonomy.entries, entry], taxonomy.types, taxonomy.entries.length, { entry });
}

export function updateEntry(
  taxonomy: Taxonomy,
  type: string,
  slug: string,
  patch: EntryUpdate,
): Edit<{ entry: TaxonomyEntry; before: Tag; after: Tag }> {
  const i = findEntry(taxonomy, type, slug);
  const current = taxonomy.entries[i];
  if (!current) return notFound(taxonomy, type, slug);
  if (patch.type !== undefined && patch.type !== type) {
    return invalid([{ path: "type", reason: "an entry never changes type; create one of the new type instead" }]);
  }
  const oldSlug = canonicalSlug(current);
  const name = patch.name ?? current.name;
  const newSlug = patch.slug ?? oldSlug;
  const aliases = [...(patch.aliases ?? current.aliases)];
  const keys = new Set([name, ...aliases].map(matchKey));
  if (!keys.has(matchKey(current.name))) aliases.push(current.name);
  const former = unique([...current.former_slugs, ...(patch.former_slugs ?? []), oldSlug]).filter((s) => s !== newSlug);
  const entry = withoutEmptyExclude({
    type,
    name,
    slug: newSlug,
    aliases,
    former_slugs: former,
    ...((patch.autotag_exclude ?? current.autotag_exclude) !== undefined && {
      autotag_exclude: patch.autotag_exclude ?? current.autotag_exclude,
    }),
  });
  const clash = collisions(compileTaxonomy(taxonomy), entry, i);
  if (clash.length > 0) return conflict(clash);
  const entries = taxonomy.entries.map((e, j) => (j === i ? entry : e));
  return commit(taxonomy, entries, taxonomy.types, i, {
    entry,
    before: { type, name: current.name, slug: oldSlug },
    after: { type, name, slug: newSlug },
  });
}

export function deleteEntry(taxonomy: Taxonomy, type: string, slug: string): Edit<{ entry: TaxonomyEntry }> {
  const i = findEntry(taxonomy, type, slug);
  const entry = taxonomy.entries[i];
  if (!entry) return notFound(taxonomy, type, slug);
  return commit(taxonomy, taxonomy.entries.filter((_, j) => j !== i), taxonomy.types, -1, { entry });
}

export function createType(taxonomy: Taxonomy, def: TagTypeDef): Edit<{ def: TagTypeDef }> {
  if (taxonomy.types.some((t) => t.type === def.type)) {
    return conflict([{ path: "type", reason: `type "${def.type}" is already declared` }]);
  }
  return commit(taxonomy, taxonomy.entries, [...taxonomy.types, def], -1, { def });
}

export function deleteType(taxonomy: Taxonomy, type: string): Edit<{ def: TagTypeDef }> {
  const def = taxonomy.types.find((t) => t.type === type);
  if (!def) return err({ reason: "not_found", message: `type "${type}" is not declared` });
  const count = taxonomy.entries.filter((e) => e.type === type).length;
  if (count > 0) {
    return conflict([{ path: "type", reason: `${count} entr${count === 1 ? "y is" : "ies are"} of type "${type}"; delete or merge them first` }]);
  }
  return commit(taxonomy, taxonomy.entries, taxonomy.types.filter((t) => t.type !== type), -1, { def });
}

/**
 * Merges tag `from` into tag `into` in the taxonomy (see the module header). `from.name` is the
 * stored tag's display name when the taxonomy has no entry for it; `into` is the canonical tag
 * (its entry's, or the stored one's). Repeating a merge that is already in place changes nothing
 * (`changed: false`), so an admin may call it again to move the articles that remain.
 */
export function mergeTags(taxonomy: Taxonomy, from: TagRef & { name?: string | undefined }, into: Tag): Edit<{ into: Tag; changed: boolean }> {
  if (from.type !== into.type) {
    return invalid([{ path: "into.type", reason: "tags merge within one type; merging across types is not supported" }]);
  }
  if (from.slug === into.slug) return invalid([{ path: "into.slug", reason: "is the tag being merged" }]);
  const { type } = into;
  const fromOwner = formerOwner(taxonomy, type, from.slug);
  if (fromOwner && canonicalSlug(fromOwner) !== into.slug) {
    return conflict([{ path: "from.slug", reason: `already redirects to ${type}/${canonicalSlug(fromOwner)}` }]);
  }
  const intoOwner = formerOwner(taxonomy, type, into.slug);
  if (intoOwner) {
    return conflict([{ path: "into.slug", reason: `is a former slug of ${type}/${canonicalSlug(intoOwner)}; merge into that` }]);
  }

  const fromIndex = findEntry(taxonomy, type, from.slug);
  const fromEntry = taxonomy.entries[fromIndex];
  const intoIndex = findEntry(taxonomy, type, into.slug);
  const intoEntry: TaxonomyEntry = taxonomy.entries[intoIndex] ?? {
    type,
    name: into.name,
    slug: into.slug,
    aliases: [],
    former_slugs: [],
  };

  // Spellings a third entry claims already resolve there; they are not moved.
  const index = compileTaxonomy(taxonomy);
  const claimedElsewhere = (text: string): boolean => {
    const owner = index.byTypeKey.get(`${type}\u0000${matchKey(text)}`);
    return owner !== undefined && owner.index !== fromIndex && owner.index !== intoIndex;
  };
  const own = new Set([intoEntry.name, ...intoEntry.aliases, into.slug, ...intoEntry.former_slugs].map(matchKey));
  const aliases = [...intoEntry.aliases];
  const spellings = fromEntry ? [fromEntry.name, ...fromEntry.aliases] : from.name === undefined ? [] : [from.name];
  for (const spelling of spellings) {
    const key = matchKey(spelling);
    if (key === "" || own.has(key) || claimedElsewhere(spelling)) continue;
    own.add(key);
    aliases.push(spelling);
  }
  const formerSlugs = unique([...intoEntry.former_slugs, from.slug, ...(fromEntry?.former_slugs ?? [])]).filter((s) => s !== into.slug);
  const ownSpellings = new Set([intoEntry.name, ...aliases].map(matchKey));
  const exclude = unique([...(intoEntry.autotag_exclude ?? []), ...(fromEntry?.autotag_exclude ?? [])]).filter((s) =>
    ownSpellings.has(matchKey(s)),
  );
  const merged = withoutEmptyExclude({ ...intoEntry, aliases, former_slugs: formerSlugs, autotag_exclude: exclude });

  let entries = taxonomy.entries.map((e, j) => (j === intoIndex ? merged : e));
  if (intoIndex < 0) entries.push(merged);
  if (fromIndex >= 0) entries = entries.filter((e) => e !== fromEntry);
  const types = taxonomy.types.some((t) => t.type === type)
    ? taxonomy.types
    : // A stored-only type becomes declared; not auto-tagged, as it was not before.
      [...taxonomy.types, { type, label: type.charAt(0).toUpperCase() + type.slice(1).replace(/_+/g, " "), autotag: false }];
  const next = { ...taxonomy, types, entries };
  const changed = JSON.stringify(next) !== JSON.stringify(taxonomy);
  const tag: Tag = { type, name: merged.name, slug: into.slug };
  if (!changed) return ok({ taxonomy, into: tag, changed });
  return commit(taxonomy, entries, types, entries.indexOf(merged), { into: tag, changed });
}

/**
 * The article with tag `from` replaced by `into` (in place; a later duplicate is dropped), as a
 * draft with a fresh `rev`; null when the article does not carry `from`. The store stamps it.
 */
export async function retagArticle(article: Article, from: TagRef, into: Tag): Promise<ArticleDraft | null> {
  const isFrom = (t: Tag) => t.type === from.type && t.slug === from.slug;
  if (!article.tags.some(isFrom)) return null;
  const seen = new Set<string>();
  const tags: Tag[] = [];
  for (const tag of article.tags) {
    const next = isFrom(tag) ? { type: into.type, name: into.name, slug: into.slug } : tag;
    const key = `${next.type}/${next.slug}`;
    if (seen.has(key)) continue;
    seen.add(key);
    tags.push(next);
  }
  const { received: _received, modified: _modified, rev: _rev, ...content } = article;
  return reviseDraft({ ...content, tags });
}

/**
 * Every edit the admin API makes, as data: the taxonomy's single writer (store/taxonomy-writer.ts)
 * applies them one at a time to the current document. `merge` carries what the route read from
 * the tag records (their names, whether `from` still lists articles), so that which tags exist is
 * decided against the document the merge is applied to.
 */
export interface EditResults {
  create_entry: { entry: TaxonomyEntry };
  update_entry: { entry: TaxonomyEntry; before: Tag; after: Tag };
  delete_entry: { entry: TaxonomyEntry };
  create_type: { def: TagTypeDef };
  delete_type: { def: TagTypeDef };
  import: { changed: boolean };
  merge: { into: Tag; changed: boolean };
}
interface EditArgs {
  create_entry: { input: EntryCreate };
  update_entry: { type: string; slug: string; patch: EntryUpdate };
  delete_entry: { type: string; slug: string };
  create_type: { def: TagTypeDef };
  delete_type: { type: string };
  import: { taxonomy: Taxonomy };
  merge: { from: TagRef; into: TagRef; fromRecordName?: string | undefined; intoRecordName?: string | undefined; fromHasArticles: boolean };
}
export type TaxonomyEdit = { [K in keyof EditResults]: { op: K } & EditArgs[K] }[keyof EditResults];
export type TaxonomyEditOf<K extends keyof EditResults> = { op: K } & EditArgs[K];

export function applyEdit<K extends keyof EditResults>(taxonomy: Taxonomy, edit: TaxonomyEditOf<K>): Edit<EditResults[K]>;
export function applyEdit(taxonomy: Taxonomy, edit: TaxonomyEdit): Edit<EditResults[keyof EditResults]> {
  switch (edit.op) {
    case "create_entry":
      return createEntry(taxonomy, edit.input);
    case "update_entry":
      return updateEntry(taxonomy, edit.type, edit.slug, edit.patch);
    case "delete_entry":
      return deleteEntry(taxonomy, edit.type, edit.slug);
    case "create_type":
      return createType(taxonomy, edit.def);
    case "delete_type":
      return deleteType(taxonomy, edit.type);
    case "import":
      return ok({ taxonomy: edit.taxonomy, changed: JSON.stringify(edit.taxonomy) !== JSON.stringify(taxonomy) });
    case "merge":
      return planMerge(taxonomy, edit);
  }
}

/** `POST /api/tags/merge` against one document: both tags must exist (an entry, a record, a former slug, or articles). */
function planMerge(taxonomy: Taxonomy, edit: TaxonomyEditOf<"merge">): Edit<{ into: Tag; changed: boolean }> {
  const { from, into: intoRef } = edit;
  const intoEntry = taxonomy.entries[findEntry(taxonomy, intoRef.type, intoRef.slug)];
  const intoOwner = formerOwner(taxonomy, intoRef.type, intoRef.slug);
  if (!intoEntry && edit.intoRecordName === undefined && !intoOwner) {
    return err({ reason: "not_found", message: `no tag ${intoRef.type}/${intoRef.slug}` });
  }
  const into: Tag = intoEntry ? entryTag(intoEntry) : { type: intoRef.type, name: edit.intoRecordName ?? intoRef.slug, slug: intoRef.slug };
  const fromKnown =
    edit.fromRecordName !== undefined ||
    findEntry(taxonomy, from.type, from.slug) >= 0 ||
    formerOwner(taxonomy, from.type, from.slug) !== undefined ||
    edit.fromHasArticles;
  if (!fromKnown) return err({ reason: "not_found", message: `no tag ${from.type}/${from.slug}` });
  return mergeTags(taxonomy, { ...from, name: edit.fromRecordName }, into);
}

/**
 * RFC 9110 §13.1.1: `If-Match: *` matches any current document (there always is one: the
 * default); otherwise one of the listed entity tags must equal the current one by strong
 * comparison (a weak `W/"…"` never matches). No header: the edit proceeds.
 */
export function ifMatchPasses(header: string | undefined, etag: string): boolean {
  if (header === undefined || header.trim() === "*") return true;
  return header.split(",").map((t) => t.trim()).includes(etag);
}

// ---------------------------------------------------------------------------------------------

/** The slugs and spellings of `entry` that another entry of its type already holds. */
function collisions(index: TaxonomyIndex, entry: TaxonomyEntry, self: number): FieldError[] {
  const fields: FieldError[] = [];
  const label = (i: number): string => {
    const e = index.entries[i];
    return e ? `${e.tag.type}/${e.tag.slug}` : `entries[${i}]`;
  };
  const slugs: [string, string][] = [
    ["slug", canonicalSlug(entry)],
    ...entry.former_slugs.map((s, j): [string, string] => [`former_slugs[${j}]`, s]),
  ];
  for (const [path, slug] of slugs) {
    const hit = index.bySlug.get(`${entry.type}\u0000${slug}`);
    if (hit && hit.entry.index !== self) fields.push({ path, reason: `slug "${slug}" is already used by ${label(hit.entry.index)}` });
  }
  const spellings: [string, string][] = [
    ["name", entry.name],
    ...entry.aliases.map((a, j): [string, string] => [`aliases[${j}]`, a]),
    ...slugs,
  ];
  for (const [path, text] of spellings) {
    const owner = index.byTypeKey.get(`${entry.type}\u0000${matchKey(text)}`);
    if (owner && owner.index !== self && !fields.some((f) => f.path === path)) {
      fields.push({ path, reason: `"${text}" already names ${label(owner.index)}` });
    }
  }
  return fields;
}

/**
 * Validates the edited document. Problems of the edited entry (`focus`) are reported at paths
 * relative to it (`aliases[0]`, as in the request body); others at document paths.
 */
function commit<T>(taxonomy: Taxonomy, entries: TaxonomyEntry[], types: TagTypeDef[], focus: number, extra: T): Edit<T> {
  const parsed = TaxonomySchema.safeParse({ ...taxonomy, types, entries }, PARSE_REPORTING);
  if (parsed.success) return ok({ ...extra, taxonomy: parsed.data });
  const fields = parsed.error.issues.map((issue) => {
    const [first, second, ...rest] = issue.path;
    return first === "entries" && second === focus ? toFieldError("", { ...issue, path: rest }) : toFieldError("", issue);
  });
  return invalid(fields);
}

function notFound(taxonomy: Taxonomy, type: string, slug: string): { ok: false; error: EditFailure } {
  const owner = formerOwner(taxonomy, type, slug);
  const message = owner
    ? `${type}/${slug} is a former slug of ${type}/${canonicalSlug(owner)}`
    : `the taxonomy has no entry ${type}/${slug}`;
  return err({ reason: "not_found", message });
}

const invalid = (fields: FieldError[]) =>
  err<EditFailure>({ reason: "invalid", message: `${fields.length} invalid field${fields.length === 1 ? "" : "s"}; nothing was changed`, fields });

const conflict = (fields: FieldError[]) =>
  err<EditFailure>({ reason: "conflict", message: "it collides with the taxonomy; nothing was changed", fields });

const unique = <T>(items: readonly T[]): T[] => [...new Set(items)];

function withoutEmptyExclude(entry: TaxonomyEntry): TaxonomyEntry {
  if (entry.autotag_exclude === undefined || entry.autotag_exclude.length > 0) return entry;
  const { autotag_exclude: _dropped, ...rest } = entry;
  return rest;
}
