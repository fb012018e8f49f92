import { z } from "zod";
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
});
export type TaxonomyEntry = z.infer<typeof TaxonomyEntrySchema>;

export const TaxonomySchema = z.object({
  version: z.literal(1),
  types: z.array(TagTypeDefSchema),
  entries: z.array(TaxonomyEntrySchema),
});
export type Taxonomy = z.infer<typeof TaxonomySchema>;
export type TaxonomyInput = z.input<typeof TaxonomySchema>;
