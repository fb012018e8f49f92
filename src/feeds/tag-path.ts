/**
 * What a `/tags/{type}/{segment}` path names, decided as the feed routes decide it
 * (routes/feeds.ts uses it for every path that is not plainly canonical), so a tag's page and
 * its feeds agree on which URLs exist:
 * - the taxonomy's canonical slug → that tag;
 * - any other spelling the taxonomy knows (former slug, alias, name, other case, Cyrillic,
 *   percent-encoded or not), or an upper-case type → redirect to the canonical path;
 * - a canonical-looking slug the taxonomy does not list → the tag, if storage knows it (a tag
 *   record, else a feed version: it held articles once);
 * - another spelling of such a stored tag (its name slugified) → redirect;
 * - anything else → missing.
 */
import { type Result, err, ok } from "../domain/result";
import { MAX_SLUG_LENGTH, TAG_SLUG_PATTERN, TAG_TYPE_PATTERN, type Tag } from "../domain/tag";
import { getFeedVersion } from "../store/feed-versions";
import { tagFeedKey } from "../store/keys";
import { getTagRecord } from "../store/tags";
import { type TaxonomyIndex, findTag } from "../tags/resolve";
import { slugify } from "../tags/slugify";

export type TagPath =
  /** `name` is undefined when only a feed version vouches for the tag: take it from an article. */
  | { kind: "tag"; tag: Pick<Tag, "type" | "slug"> & { name: string | undefined } }
  | { kind: "redirect"; tag: Pick<Tag, "type" | "slug"> };

export async function resolveTagPath(
  kv: KVNamespace,
  index: TaxonomyIndex,
  type: string,
  segment: string,
): Promise<Result<TagPath, "missing">> {
  const lowerType = type.toLowerCase();
  if (!TAG_TYPE_PATTERN.test(lowerType)) return err("missing");

  const found = findTag(index, lowerType, segment);
  if (found) {
    if (!found.canonical || type !== lowerType) return ok({ kind: "redirect", tag: found.tag });
    return ok({ kind: "tag", tag: found.tag });
  }

  // Longer than a slug can be: not canonical (and never a KV key, which KV caps at 512 bytes).
  const canonical = type === lowerType && segment.length <= MAX_SLUG_LENGTH && TAG_SLUG_PATTERN.test(segment);
  const slug = canonical ? segment : slugify(segment);
  if (!TAG_SLUG_PATTERN.test(slug)) return err("missing");
  const record = await getTagRecord(kv, lowerType, slug);
  const exists = record !== null || (await getFeedVersion(kv, tagFeedKey({ type: lowerType, slug }))) !== null;
  if (!exists) return err("missing");
  if (!canonical) return ok({ kind: "redirect", tag: { type: lowerType, slug } });
  return ok({ kind: "tag", tag: { type: lowerType, slug, name: record?.name } });
}
