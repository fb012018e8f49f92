import * as z from "zod";

/**
 * Tags are typed: `{type: "city", name: "Алматы"}`. The type is a lowercase word from an open,
 * configured set; the name is the display name in its own script; the slug is the URL form
 * (lowercase ASCII, transliterated), unique within a type.
 */
export const TAG_TYPE_PATTERN = /^[a-z][a-z0-9_]{0,31}$/;
export const TAG_SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const MAX_TAG_NAME_LENGTH = 200;
export const MAX_SLUG_LENGTH = 80;

export const TagTypeSchema = z
  .string()
  .regex(TAG_TYPE_PATTERN, "must be a lowercase word: a-z, digits or _, starting with a letter, at most 32 characters");

export const TagSlugSchema = z
  .string()
  .max(MAX_SLUG_LENGTH)
  .regex(TAG_SLUG_PATTERN, "must be lowercase ASCII letters and digits joined by single hyphens");

export const TagNameSchema = z.string().trim().min(1, "must not be empty").max(MAX_TAG_NAME_LENGTH);

/** A resolved, canonical tag as stored on articles and served in feeds. */
export const TagSchema = z.object({
  type: TagTypeSchema,
  name: TagNameSchema,
  slug: TagSlugSchema,
});
export type Tag = z.infer<typeof TagSchema>;

/** What a publisher may send: a typed tag object, or a bare string the taxonomy types. */
export const TagInputSchema = z.union([TagNameSchema, z.object({ type: TagTypeSchema, name: TagNameSchema })], {
  error: "must be a tag name or an object {type, name}",
});
export type TagInput = z.infer<typeof TagInputSchema>;

