/**
 * From what a publisher or an upstream feed sent to the stored Article. Pure: the clock and the
 * taxonomy come in as arguments; WebCrypto digests are the only platform call.
 *
 * Every article, whichever way it came in, passes here: ids (given, else derived from the
 * canonical URL), dates to ISO 8601 UTC, URLs absolute, text cleaned of XML-illegal characters,
 * HTML sanitized to an allowlist, the summary reduced to plain text, tags resolved through the
 * taxonomy (the `section` becomes a `section` tag too), and a content `rev` computed.
 */
import { type Article, type ArticleInput, ArticleSchema, LIMITS, isoOffset, parseIsoDate } from "../domain/article";
import { type FieldError, type Result, err, joinPath, ok } from "../domain/result";
import type { TagInput } from "../domain/tag";
import { type TaxonomyIndex, resolveTags } from "../tags/resolve";
import { cleanArticleUrl, contentRev, deriveArticleId, plainUrlWithoutUserinfo, publishedUrl } from "./ids";
import { htmlToText, sanitizeHtml } from "./sanitize";
import { cleanBlock, cleanLine } from "./text";

export interface NormalizeContext {
  taxonomy: TaxonomyIndex;
  nowMs: number;
  /** Base for relative links in the content (an upstream item's xml:base or feed URL); else the article URL. */
  contentBase?: string | undefined;
  /**
   * An upstream item's link is published as the feed gave it (fragment and query kept: two items
   * of one page may differ only by `#fragment`); a publisher's loses tracking parameters and
   * fragment. Either way the id derives from the canonical form.
   */
  linkAsGiven?: boolean;
}

/** An Article before storage has stamped it with `received` and `modified`. */
export type ArticleDraft = Omit<Article, "received" | "modified">;

export async function normalizeArticle(
  input: ArticleInput,
  context: NormalizeContext,
  pathPrefix = "",
): Promise<Result<ArticleDraft, FieldError[]>> {
  const errors: FieldError[] = [];
  const at = (field: string): string => (pathPrefix ? `${pathPrefix}.${field}` : field);

  const url = input.url === undefined ? undefined : publishedUrl(context.linkAsGiven ? input.url : cleanArticleUrl(input.url));
  const id = input.id ?? (await deriveArticleId(input.url ?? ""));

  const title = cleanLine(input.title);
  if (title === "") errors.push({ path: at("title"), reason: "must contain visible text" });

  const publishedMs = parseIsoDate(input.published);
  if (publishedMs === undefined || publishedMs < 0) {
    errors.push({ path: at("published"), reason: "must be a date-time after 1970-01-01" });
  } else if (publishedMs > context.nowMs + LIMITS.futureSkewMs) {
    errors.push({ path: at("published"), reason: "must not be more than 2 days in the future" });
  }
  const updatedMs = input.updated === undefined ? undefined : parseIsoDate(input.updated);
  if (updatedMs !== undefined && (updatedMs < 0 || updatedMs > context.nowMs + LIMITS.futureSkewMs)) {
    errors.push({ path: at("updated"), reason: "must be a date-time after 1970-01-01 and not more than 2 days in the future" });
  }
  // Names are cleaned before the checks: one made only of characters XML cannot carry (a lone
  // surrogate, a control) would be stored empty or unservable, so it is refused like a title.
  const tagInputs: TagInput[] = [];
  (input.tags ?? []).forEach((tag, i) => {
    const name = cleanLine(typeof tag === "string" ? tag : tag.name);
    if (name === "") errors.push({ path: at(`tags[${i}]`), reason: "must contain visible text" });
    else tagInputs.push(typeof tag === "string" ? name : { type: tag.type, name });
  });
  const authors = (input.authors ?? []).map((a, i) => {
    const name = cleanLine(a.name);
    if (name === "") errors.push({ path: at(`authors[${i}].name`), reason: "must contain visible text" });
    return { name, ...(a.url !== undefined && { url: publishedUrl(a.url) }) };
  });
  const sourceName = input.source ? cleanLine(input.source.name) : undefined;
  if (sourceName === "") errors.push({ path: at("source.name"), reason: "must contain visible text" });
  if (errors.length > 0 || publishedMs === undefined) return err(errors);

  const summary = optional(input.summary === undefined ? undefined : cleanBlock(htmlToText(input.summary)));
  const contentHtml = optional(input.content_html === undefined ? undefined : sanitizeHtml(input.content_html, baseOf(context.contentBase ?? url)));
  const contentText = optional(input.content_text === undefined ? undefined : cleanBlock(input.content_text));
  const section = optional(input.section === undefined ? undefined : cleanLine(input.section));

  if (section !== undefined) tagInputs.push({ type: "section", name: section });

  const draft: Omit<ArticleDraft, "rev"> = {
    id,
    ...(url !== undefined && { url }),
    title,
    ...(summary !== undefined && { summary }),
    ...(contentHtml !== undefined && { content_html: contentHtml }),
    ...(contentText !== undefined && { content_text: contentText }),
    published: new Date(publishedMs).toISOString(),
    ...withOffset(isoOffset(input.published)),
    ...(updatedMs !== undefined && { updated: new Date(updatedMs).toISOString() }),
    authors,
    ...(input.language !== undefined && { language: input.language }),
    ...(input.image !== undefined && { image: publishedUrl(input.image) }),
    ...(section !== undefined && { section }),
    sources: input.source
      ? [{ name: sourceName ?? "", ...(input.source.url !== undefined && { url: plainUrlWithoutUserinfo(input.source.url) }) }]
      : [],
    enclosures: (input.enclosures ?? []).map((e) => ({
      url: publishedUrl(e.url),
      type: e.type.toLowerCase(),
      ...(e.length !== undefined && { length: e.length }),
    })),
    ...podcastOf(input),
    tags: resolveTags(context.taxonomy, tagInputs),
  };
  // The safety net: what normalize makes must read back. A record the stored schema refused would
  // be invisible after a 201; better a 400 that names the field.
  const stamp = new Date(context.nowMs).toISOString();
  const check = ArticleSchema.safeParse({ ...draft, rev: "0", received: stamp, modified: stamp });
  if (!check.success) return err(check.error.issues.map((issue) => ({ path: joinPath(pathPrefix, issue.path), reason: issue.message })));
  return ok(await reviseDraft(draft));
}

/** The draft with its `rev`: the digest of everything but the stamps. Every writer of content uses it. */
export async function reviseDraft(content: Omit<ArticleDraft, "rev">): Promise<ArticleDraft> {
  return { ...content, rev: await contentRev(content) };
}

/** Podcast fields only travel with an audio or video enclosure: elsewhere they describe nothing. */
function podcastOf(input: ArticleInput): { podcast?: NonNullable<ArticleInput["podcast"]> } {
  const p = input.podcast;
  if (p === undefined || !(input.enclosures ?? []).some((e) => /^(?:audio|video)\//i.test(e.type))) return {};
  const podcast = {
    ...(p.duration_seconds !== undefined && { duration_seconds: p.duration_seconds }),
    ...(p.explicit !== undefined && { explicit: p.explicit }),
    ...(p.episode !== undefined && { episode: p.episode }),
    ...(p.image !== undefined && { image: publishedUrl(p.image) }),
  };
  return Object.keys(podcast).length > 0 ? { podcast } : {};
}

const withOffset = (offset: string | undefined): { published_offset?: string } => (offset === undefined ? {} : { published_offset: offset });

const optional = (text: string | undefined): string | undefined => (text === undefined || text === "" ? undefined : text);

const baseOf = (url: string | undefined): { baseUrl?: string } => (url === undefined ? {} : { baseUrl: url });

/** Stamps a draft for storage: a new article is received now; an unchanged one keeps its stamps. */
export function stampArticle(draft: ArticleDraft, previous: Article | null, nowMs: number): Article {
  const nowIso = new Date(nowMs).toISOString();
  return { ...draft, received: previous?.received ?? nowIso, modified: nowIso };
}
