import * as z from "zod";
import { matchKey, slugify } from "../tags/slugify";
import { TaxonomyRetentionSchema, TypeRetentionSchema } from "./retention";
import { TagNameSchema, TagSlugSchema, TagTypeSchema } from "./tag";

/**
 * The taxonomy: which tag types exist and which canonical entries (with aliases) each holds.
 * Stored in KV as one JSON document, edited by the admin API, shipped with a default for the
 * service's home region (src/tags/default-taxonomy.ts).
 */
export const TagTypeDefSchema = z.object({
  type: TagTypeSchema,
  /** Display label of the type, e.g. "Parties". */
  label: z.string().trim().min(1).max(100),
  /** Whether upstream items are auto-tagged with this type's entries. */
  autotag: z.boolean().default(true),
  /** How long articles stay in this type's tag feeds (domain/retention.ts); absent: as `retention.all`. */
  retention: TypeRetentionSchema.optional(),
});
export type TagTypeDef = z.infer<typeof TagTypeDefSchema>;

export const TaxonomyEntrySchema = z.object({
  type: TagTypeSchema,
  /** Canonical display name in its own script: "AMANAT", "Алматы". */
  name: TagNameSchema,
  /** URL slug; derived from the name when absent. Stable once assigned. */
  slug: TagSlugSchema.optional(),
  /** Other spellings that resolve to this entry: "Аманат", "Nur Otan", "Алма-Ата". */
  aliases: z.array(TagNameSchema).default([]),
  /** Slugs this entry had before a rename or merge: they redirect here. */
  former_slugs: z.array(TagSlugSchema).default([]),
  /**
   * Names or aliases auto-tagging must not look for, because they are also common words or
   * other names: "Республика" (a party, and the word "republic"), "Семей" (a city, and "of
   * families"), "Ауыл" (a party, and Kazakh for "village"). They still resolve submitted tags.
   * Each must be the name or one of the aliases (compared by matchKey).
   */
  autotag_exclude: z.array(TagNameSchema).optional(),
});
export type TaxonomyEntry = z.infer<typeof TaxonomyEntrySchema>;

/**
 * One document, checked as a whole (every problem is reported, with its path):
 * - each type is declared once, and every entry's type is declared;
 * - within a type, slugs (the explicit one, else `slugify(name)`, and former slugs) are unique;
 * - within a type, no two entries share a match key (`matchKey` of name, aliases and slugs), so
 *   every spelling resolves to exactly one entry of that type; the same spelling in two types is
 *   allowed (bare strings then go to the type listed first);
 * - every name and alias has something to match (a non-empty match key);
 * - `autotag_exclude` only names the entry's own name or aliases.
 */
export const TaxonomySchema = z
  .object({
    version: z.literal(1),
    types: z.array(TagTypeDefSchema),
    entries: z.array(TaxonomyEntrySchema),
    /** The global feed's rule (domain/retention.ts); absent: articles are kept for ever. */
    retention: TaxonomyRetentionSchema.optional(),
  })
  .superRefine((taxonomy, ctx) => {
    const declared = new Map<string, number>();
    taxonomy.types.forEach((def, i) => {
      const first = declared.get(def.type);
      if (first !== undefined) {
        ctx.addIssue({ code: "custom", path: ["types", i, "type"], message: `duplicates types[${first}] "${def.type}"` });
      } else declared.set(def.type, i);
    });

    /** `${type} ${slug}` → entry index; `${type} ${matchKey}` → entry index. */
    const slugOwner = new Map<string, number>();
    const keyOwner = new Map<string, number>();
    const claimSlug = (i: number, type: string, slug: string, path: (string | number)[]) => {
      const owner = slugOwner.get(`${type} ${slug}`);
      if (owner === undefined) slugOwner.set(`${type} ${slug}`, i);
      else ctx.addIssue({ code: "custom", path, message: `slug "${slug}" is already used by entries[${owner}] of type "${type}"` });
    };
    const claimKey = (i: number, type: string, text: string, path: (string | number)[]) => {
      const key = matchKey(text);
      if (key === "") {
        ctx.addIssue({ code: "custom", path, message: "has no letters or digits to match" });
        return;
      }
      const owner = keyOwner.get(`${type} ${key}`);
      if (owner === undefined) keyOwner.set(`${type} ${key}`, i);
      else if (owner !== i) {
        ctx.addIssue({ code: "custom", path, message: `"${text}" already names entries[${owner}] of type "${type}"` });
      }
    };

    taxonomy.entries.forEach((entry, i) => {
      const { type } = entry;
      if (!declared.has(type)) {
        ctx.addIssue({ code: "custom", path: ["entries", i, "type"], message: `type "${type}" is not declared in types` });
      }
      const slug = entry.slug ?? slugify(entry.name);
      claimSlug(i, type, slug, ["entries", i, entry.slug === undefined ? "name" : "slug"]);
      entry.former_slugs.forEach((former, j) => claimSlug(i, type, former, ["entries", i, "former_slugs", j]));
      claimKey(i, type, entry.name, ["entries", i, "name"]);
      entry.aliases.forEach((alias, j) => claimKey(i, type, alias, ["entries", i, "aliases", j]));
      claimKey(i, type, slug, ["entries", i, entry.slug === undefined ? "name" : "slug"]);
      entry.former_slugs.forEach((former, j) => claimKey(i, type, former, ["entries", i, "former_slugs", j]));
      const own = new Set([entry.name, ...entry.aliases].map(matchKey));
      entry.autotag_exclude?.forEach((excluded, j) => {
        if (!own.has(matchKey(excluded))) {
          ctx.addIssue({ code: "custom", path: ["entries", i, "autotag_exclude", j], message: `"${excluded}" is not the entry's name or one of its aliases` });
        }
      });
    });
  });
export type Taxonomy = z.infer<typeof TaxonomySchema>;
export type TaxonomyInput = z.input<typeof TaxonomySchema>;
