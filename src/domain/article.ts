import * as z from "zod";
import { MAX_TAG_NAME_LENGTH, TagInputSchema, TagSchema } from "./tag";

/**
 * The article shapes, defined once:
 * - `ArticleInputSchema`: what a publisher's webhook sends (docs/API.md, "Articles").
 * - `ArticleSchema`: the normalized record tagfeed stores and serves; every feed is rendered
 *   from it, whichever way the article came in (webhook or upstream feed).
 */

export const LIMITS = {
  /** Whole request body, checked before it is read (413 past it). */
  bodyBytes: 5 * 1024 * 1024,
  articlesPerRequest: 100,
  idLength: 128,
  urlLength: 2048,
  titleLength: 1000,
  summaryLength: 10_000,
  contentLength: 1024 * 1024,
  tagsPerArticle: 50,
  authorsPerArticle: 20,
  enclosuresPerArticle: 20,
  shortTextLength: 500,
  /** Published dates further ahead than this are refused: they would pin an item atop every feed. */
  futureSkewMs: 2 * 24 * 3600 * 1000,
} as const;

/** Article ids appear in URLs and KV keys: a conservative, URL-safe alphabet. */
export const ARTICLE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$/;

export const ArticleIdSchema = z
  .string()
  .max(LIMITS.idLength)
  .regex(ARTICLE_ID_PATTERN, "must be 1-128 characters of A-Z a-z 0-9 . _ ~ -, starting with a letter or digit");

/**
 * An absolute http(s) URL, as the URL parser serializes it (percent-encoded, punycode host): the
 * length limit holds for the stored form too, so what passes here always passes the stored schema.
 */
const HttpUrlSchema = z
  .string()
  .trim()
  .max(LIMITS.urlLength)
  .refine(isHttpUrl, "must be an absolute http(s) URL")
  .transform((value) => new URL(value).href)
  .pipe(z.string().max(LIMITS.urlLength, `must be at most ${LIMITS.urlLength} characters once percent-encoded`));

export function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === "http:" || protocol === "https:";
  } catch {
    return false;
  }
}

/**
 * ISO 8601 / RFC 3339 date or date-time. A missing offset means UTC (stated in README);
 * impossible calendar dates (2022-02-30) are refused, not rolled over.
 */
export const ISO_DATE_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

export const IsoDateSchema = z
  .string()
  .trim()
  .max(64)
  .refine((value) => parseIsoDate(value) !== undefined, "must be an ISO 8601 date-time such as 2022-08-27T00:00:00+03:00");

/** Epoch milliseconds of an ISO 8601 date-time, or undefined when it is not one. */
export function parseIsoDate(value: string): number | undefined {
  const m = ISO_DATE_PATTERN.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", zone = "Z"] = m;
  const year = Number(y), month = Number(mo), day = Number(d);
  const hour = Number(h), minute = Number(mi), second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return undefined;
  const daysInMonth = [31, year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  if (day > daysInMonth) return undefined;
  let offsetMinutes = 0;
  if (zone !== "Z" && zone !== "z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = sign * (oh * 60 + om);
  }
  const ms = Number((frac + "000").slice(0, 3));
  // A leap second (:60) is folded onto the next second, as Date does.
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, ms));
  date.setUTCFullYear(year); // Date.UTC maps years 0-99 to 1900-1999.
  return date.getTime() - offsetMinutes * 60_000;
}

/** The numeric offset of an ISO 8601 date-time as `+03:00`; undefined for UTC (`Z`, `+00:00`) or none. */
export function isoOffset(value: string): string | undefined {
  const zone = ISO_DATE_PATTERN.exec(value.trim())?.[8];
  if (zone === undefined || zone === "Z" || zone === "z") return undefined;
  const digits = zone.slice(1).replace(":", "");
  const offset = `${zone[0]}${digits.slice(0, 2)}:${digits.length > 2 ? digits.slice(2, 4) : "00"}`;
  return /^[+-]00:00$/.test(offset) ? undefined : offset;
}

const ShortTextSchema = z.string().trim().max(LIMITS.shortTextLength);

export const PersonSchema = z.object({
  name: ShortTextSchema.min(1, "must not be empty"),
  url: HttpUrlSchema.optional(),
});
export type Person = z.infer<typeof PersonSchema>;

export const SourceRefSchema = z.object({
  name: ShortTextSchema.min(1, "must not be empty"),
  url: HttpUrlSchema.optional(),
});
export type SourceRef = z.infer<typeof SourceRefSchema>;

export const EnclosureSchema = z.object({
  url: HttpUrlSchema,
  type: z
    .string()
    .trim()
    .max(255)
    .regex(/^[\w.+-]+\/[\w.+-]+$/, "must be a MIME type such as audio/mpeg"),
  length: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
});
export type Enclosure = z.infer<typeof EnclosureSchema>;

/**
 * Apple Podcasts episode fields (the `itunes:*` RSS tags) of an article with an audio or video
 * enclosure: an upstream podcast's, or a publisher's. The RSS output carries them back out.
 */
export const PodcastSchema = z.object({
  duration_seconds: z.number().int().positive().max(1_000_000).optional(),
  explicit: z.boolean().optional(),
  episode: z.number().int().positive().max(1_000_000_000).optional(),
  image: HttpUrlSchema.optional(),
});
export type Podcast = z.infer<typeof PodcastSchema>;

/** BCP 47 language tag, loosely: `ru`, `kk-KZ`, `zh-Hant`. */
export const LanguageSchema = z
  .string()
  .trim()
  .max(35)
  .regex(/^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$/, "must be a BCP 47 language tag such as ru or kk-KZ");

/** The webhook's article object. Unknown fields are ignored, so publishers can send more. */
export const ArticleInputSchema = z
  .object({
    id: ArticleIdSchema.optional(),
    url: HttpUrlSchema.optional(),
    title: z.string().trim().min(1, "must not be empty").max(LIMITS.titleLength),
    summary: z.string().max(LIMITS.summaryLength).optional(),
    content_html: z.string().max(LIMITS.contentLength).optional(),
    content_text: z.string().max(LIMITS.contentLength).optional(),
    published: IsoDateSchema,
    updated: IsoDateSchema.optional(),
    authors: z.array(PersonSchema).max(LIMITS.authorsPerArticle).optional(),
    language: LanguageSchema.optional(),
    image: HttpUrlSchema.optional(),
    /** Also becomes a `section` tag, so it is held to a tag name's length. */
    section: ShortTextSchema.max(MAX_TAG_NAME_LENGTH).optional(),
    source: SourceRefSchema.optional(),
    enclosures: z.array(EnclosureSchema).max(LIMITS.enclosuresPerArticle).optional(),
    podcast: PodcastSchema.optional(),
    tags: z.array(TagInputSchema).max(LIMITS.tagsPerArticle).optional(),
  })
  .refine((a) => a.id !== undefined || a.url !== undefined, {
    message: "either id or url is required",
    path: ["id"],
  });
export type ArticleInput = z.infer<typeof ArticleInputSchema>;

/** The normalized article: what is stored and what every feed is rendered from. */
export const ArticleSchema = z.object({
  id: ArticleIdSchema,
  url: z.string().optional(),
  title: z.string(),
  /** Plain text: feeds put it where readers expect text (JSON Feed `summary`). */
  summary: z.string().optional(),
  /** Sanitized HTML, safe to embed in any page or feed. */
  content_html: z.string().optional(),
  content_text: z.string().optional(),
  /** ISO 8601 UTC, millisecond precision: `2022-08-26T21:00:00.000Z`. */
  published: z.string(),
  /** The offset `published` was written with (`+03:00`), when not UTC: pages show the publisher's time. */
  published_offset: z.string().regex(/^[+-]\d{2}:\d{2}$/).optional(),
  updated: z.string().optional(),
  authors: z.array(PersonSchema),
  language: z.string().optional(),
  image: z.string().optional(),
  section: z.string().optional(),
  /** Where the article came from; an upstream story seen on two sources lists both. */
  sources: z.array(SourceRefSchema),
  enclosures: z.array(EnclosureSchema),
  podcast: PodcastSchema.optional(),
  tags: z.array(TagSchema),
  /** Hash of the content above: equal hashes mean an unchanged re-delivery. */
  rev: z.string(),
  /** When tagfeed first stored it, and when it last changed (ISO 8601 UTC). */
  received: z.string(),
  modified: z.string(),
});
export type Article = z.infer<typeof ArticleSchema>;
