/**
 * An upstream item → the ArticleInput that webhook articles are too, so both ways in share
 * normalize/ingest. Pure: the clock (`fetchedAtIso`), the taxonomy and the source come in as
 * arguments; WebCrypto digests are the only platform call. Returns a Result: an item that cannot
 * be an article is a value (counted `invalid` by the caller), never an exception.
 *
 * Decisions (README, "Sources"):
 * - Id. An item with a link gets no id here: normalize derives it from the canonical URL, so the
 *   same story from two sources (or from a webhook) is one article. A link that several items of
 *   one document share, compared canonically (a feed linking every item to its home page, or to
 *   `page#a`, `page#b`), does not identify an item, so those fall through to the next rule. Else
 *   the guid, or the link with its fragment: `g-` + hash(source id, guid), stable
 *   across fetches and scoped to the source (guids are only unique within a feed). Else a content
 *   hash: `h-` + hash(source id, title, the feed's own date, the start of the text).
 * - Title. Optional in RSS 2.0: an item without one is titled by the start of its text (cut at a
 *   word, with an ellipsis), else by its link, enclosure file name or guid; with none of these
 *   it is invalid.
 * - Date. The feed's published date, else its updated date, else (none, or one before 1970 or
 *   more than 2 days ahead) the fetch time, and the item is marked `inventedDate`: ingest then keeps the date it was first stored with, so an undated
 *   item is stamped "first seen" once and later fetches of it change nothing.
 * - Tags. The source's default tags, then the item's categories as bare strings (the taxonomy
 *   types them; unknown ones become topics), then — when the source has `autotag` on — the
 *   taxonomy entries its title and text mention. Duplicates collapse; at most 50.
 * - Podcast: itunes:duration, explicit, episode and image, kept (normalize keeps them only with
 *   an audio or video enclosure).
 * - Source: `{name, url}` of the source, so the article lists where it came from.
 * - Oversized fields are cut to the article limits rather than losing the item; URLs that are
 *   not http(s) are dropped (an enclosure without a usable MIME type gets
 *   application/octet-stream).
 */
import { type ArticleInput, ArticleInputSchema, LIMITS, isHttpUrl } from "../domain/article";
import { type Result, err, ok } from "../domain/result";
import type { Source } from "../domain/source";
import type { TagInput } from "../domain/tag";
import { canonicalUrl, sha256Hex } from "../ingest/ids";
import { htmlToText } from "../ingest/sanitize";
import { cleanLine } from "../ingest/text";
import { autoTag } from "../tags/autotag";
import { type TaxonomyIndex, resolveTags } from "../tags/resolve";
import type { UpstreamItem } from "../upstream/types";

export interface MapContext {
  source: Pick<Source, "id" | "name" | "url" | "tags" | "autotag" | "autotag_types">;
  taxonomy: TaxonomyIndex;
  /** ISO 8601 UTC: when the document was fetched (the date of undated items). */
  fetchedAtIso: string;
  /** The feed's own language, for items that do not state one. */
  feedLanguage?: string | undefined;
  /** Links shared by more than one item of the document (see `sharedLinks`). */
  sharedUrls?: ReadonlySet<string>;
}

export interface MappedItem {
  input: ArticleInput;
  /** Base for relative links in the item's content: its xml:base, else the feed's URL. */
  contentBase: string | undefined;
  /** The item had no date of its own; `published` is the fetch time. */
  inventedDate: boolean;
}

const TITLE_FROM_TEXT_LENGTH = 140;
/** Auto-tagging reads at most this much of the body: names are in the lede, and CPU is scarce. */
const AUTOTAG_TEXT_LENGTH = 20_000;
const MAX_CATEGORIES = 30;
const ENCLOSURE_TYPE = /^[\w.+-]+\/[\w.+-]+$/;
const LANGUAGE = /^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$/;

export async function mapItem(item: UpstreamItem, context: MapContext): Promise<Result<MappedItem, string>> {
  const url = httpUrl(item.url);
  const text = plainText(item);
  // The parser already decoded the title to plain text (upstream/text.ts): decoding again would eat `&lt;`.
  const title = clip(cleanLine(item.title ?? ""), LIMITS.titleLength) || titleFromText(text) || clip(titleFromIdentity(item, url), LIMITS.titleLength);
  if (title === "") return err("has neither a title, any text, a link, an id nor an enclosure");

  // A date the article schema would refuse (before 1970, too far ahead) is no date: the item is
  // kept and dated when first seen, like an undated one.
  const fetchedMs = Date.parse(context.fetchedAtIso);
  const usable = (iso: string | undefined): string | undefined => {
    const ms = iso === undefined ? Number.NaN : Date.parse(iso);
    return ms >= 0 && ms <= fetchedMs + LIMITS.futureSkewMs ? iso : undefined;
  };
  const ownDate = usable(item.published) ?? usable(item.updated);
  const published = ownDate ?? context.fetchedAtIso;
  const itemUpdated = usable(item.updated);
  const updated = itemUpdated !== undefined && itemUpdated !== published ? itemUpdated : undefined;

  let id: string | undefined;
  if (url === undefined || context.sharedUrls?.has(canonicalUrl(url))) {
    // Items of one page told apart by `#fragment` (one permalink per short post): the link with
    // its fragment identifies the item when there is no guid.
    const guid = item.guid?.trim() || (url !== undefined && new URL(url).hash.length > 1 ? url : undefined);
    id = guid
      ? `g-${(await sha256Hex(`${context.source.id}\n${guid}`)).slice(0, 24)}`
      : `h-${(await sha256Hex([context.source.id, title, ownDate ?? "", text.slice(0, 500)].join("\n"))).slice(0, 24)}`;
  }

  const candidate = {
    ...(id !== undefined && { id }),
    ...(url !== undefined && { url }),
    title,
    ...(item.summary !== undefined && item.summary.trim() !== "" && { summary: clip(item.summary, LIMITS.summaryLength) }),
    ...(item.contentHtml !== undefined && item.contentHtml.trim() !== "" && { content_html: clip(item.contentHtml, LIMITS.contentLength) }),
    ...(item.contentText !== undefined && item.contentText.trim() !== "" && { content_text: clip(item.contentText, LIMITS.contentLength) }),
    published,
    ...(updated !== undefined && { updated }),
    authors: authorsOf(item),
    ...language(item.language ?? context.feedLanguage),
    ...(httpUrl(item.image) !== undefined && { image: httpUrl(item.image) }),
    source: { name: context.source.name, url: context.source.url },
    enclosures: enclosuresOf(item),
    ...podcastOf(item),
    tags: tagsOf(item, title, text, context),
  };
  const parsed = ArticleInputSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return err(issue ? `${issue.path.join(".") || "item"}: ${issue.message}` : "is not a valid article");
  }
  return ok({ input: parsed.data, contentBase: httpUrl(item.baseUrl), inventedDate: ownDate === undefined });
}

/** Links that more than one item of a document carries: they do not identify an item. */
/** Compared by canonical form, the form article ids derive from: `page#a` and `page#b` share `page`. */
export function sharedLinks(items: readonly UpstreamItem[]): Set<string> {
  const seen = new Set<string>();
  const shared = new Set<string>();
  for (const item of items) {
    const url = httpUrl(item.url);
    if (url === undefined) continue;
    const key = canonicalUrl(url);
    if (seen.has(key)) shared.add(key);
    seen.add(key);
  }
  return shared;
}

function httpUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed.length <= LIMITS.urlLength && isHttpUrl(trimmed) ? trimmed : undefined;
}

/** The item's text, plain: its text body, else its HTML body or summary reduced to text. */
function plainText(item: UpstreamItem): string {
  const source = item.contentText ?? (item.contentHtml !== undefined ? htmlToText(item.contentHtml.slice(0, AUTOTAG_TEXT_LENGTH * 4)) : undefined) ?? (item.summary !== undefined ? htmlToText(item.summary) : "");
  return source.slice(0, AUTOTAG_TEXT_LENGTH);
}

function titleFromText(text: string): string {
  const line = cleanLine(text);
  if (line.length <= TITLE_FROM_TEXT_LENGTH) return line;
  const cut = line.slice(0, TITLE_FROM_TEXT_LENGTH);
  const space = cut.lastIndexOf(" ");
  return `${(space > TITLE_FROM_TEXT_LENGTH / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/**
 * The title of an item with no title and no text: its link without the scheme (`example.com/a/42#p3`),
 * else its first enclosure's file name, else its guid. Readers then show something that says
 * where the item leads rather than nothing.
 */
function titleFromIdentity(item: UpstreamItem, url: string | undefined): string {
  if (url !== undefined) return cleanLine(safeDecode(url.replace(/^https?:\/\//i, "").replace(/\/$/, "")));
  const enclosure = item.enclosures.find((e) => httpUrl(e.url) !== undefined);
  if (enclosure !== undefined) {
    const path = new URL(enclosure.url).pathname;
    const file = cleanLine(safeDecode(path.slice(path.lastIndexOf("/") + 1)));
    return file || cleanLine(safeDecode(enclosure.url.replace(/^https?:\/\//i, "")));
  }
  return cleanLine(item.guid ?? "");
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Cut to at most `max` UTF-16 units, never splitting a surrogate pair. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

function authorsOf(item: UpstreamItem): { name: string; url?: string }[] {
  const seen = new Set<string>();
  const authors: { name: string; url?: string }[] = [];
  for (const person of item.authors) {
    const name = clip(cleanLine(person.name), LIMITS.shortTextLength);
    if (name === "" || seen.has(name)) continue;
    seen.add(name);
    const url = httpUrl(person.url);
    authors.push({ name, ...(url !== undefined && { url }) });
    if (authors.length === LIMITS.authorsPerArticle) break;
  }
  return authors;
}

function enclosuresOf(item: UpstreamItem): { url: string; type: string; length?: number }[] {
  const seen = new Set<string>();
  const enclosures: { url: string; type: string; length?: number }[] = [];
  for (const enclosure of item.enclosures) {
    const url = httpUrl(enclosure.url);
    if (url === undefined || seen.has(url)) continue;
    seen.add(url);
    const type = enclosure.type.trim().toLowerCase().split(";")[0]?.trim() ?? "";
    const length = enclosure.length;
    enclosures.push({
      url,
      type: type.length <= 255 && ENCLOSURE_TYPE.test(type) ? type : "application/octet-stream",
      ...(length !== undefined && Number.isSafeInteger(length) && length >= 0 && { length }),
    });
    if (enclosures.length === LIMITS.enclosuresPerArticle) break;
  }
  return enclosures;
}

function podcastOf(item: UpstreamItem): { podcast?: NonNullable<ArticleInput["podcast"]> } {
  const p = item.podcast;
  if (p === undefined) return {};
  const image = httpUrl(p.image);
  const podcast = {
    ...(p.durationSeconds !== undefined && p.durationSeconds <= 1_000_000 && { duration_seconds: p.durationSeconds }),
    ...(p.explicit !== undefined && { explicit: p.explicit }),
    ...(p.episode !== undefined && p.episode <= 1_000_000_000 && { episode: p.episode }),
    ...(image !== undefined && { image }),
  };
  return Object.keys(podcast).length > 0 ? { podcast } : {};
}

function language(value: string | undefined): { language?: string } {
  const trimmed = value?.trim();
  return trimmed && trimmed.length <= 35 && LANGUAGE.test(trimmed) ? { language: trimmed } : {};
}

function tagsOf(item: UpstreamItem, title: string, text: string, context: MapContext): TagInput[] {
  const inputs: TagInput[] = [...context.source.tags];
  const categories = new Set<string>();
  for (const raw of item.categories) {
    const name = cleanLine(raw);
    if (name === "" || name.length > 200 || categories.has(name)) continue;
    categories.add(name);
    if (categories.size === MAX_CATEGORIES) break;
  }
  inputs.push(...categories);
  if (context.source.autotag) {
    const options = context.source.autotag_types ? { types: context.source.autotag_types } : undefined;
    inputs.push(...autoTag(context.taxonomy, `${title}\n${text}`, options).map((t) => ({ type: t.type, name: t.name })));
  }
  // Resolve once to collapse spellings of one tag, then hand normalize the canonical {type, name}.
  return resolveTags(context.taxonomy, inputs)
    .slice(0, LIMITS.tagsPerArticle)
    .map((tag) => ({ type: tag.type, name: tag.name }));
}
