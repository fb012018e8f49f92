/**
 * What an upstream feed document becomes after parsing, whatever its format (RSS 2.0, RSS 0.9x,
 * RSS 1.0/RDF, Atom 1.0, JSON Feed 1.0/1.1). Plain data: the parser fills it (src/upstream/parse*.ts),
 * the refresh job maps each item to an ArticleInput and hands it to the same normalize/ingest
 * path as webhook articles.
 */
import type { Result } from "../domain/result";

export type UpstreamFormat = "rss2" | "rss09x" | "rss1" | "atom" | "jsonfeed";

export interface UpstreamPerson {
  name: string;
  url?: string;
}

export interface UpstreamEnclosure {
  url: string;
  type: string;
  length?: number;
}

/** Apple Podcasts (`itunes:*`) episode fields, as far as they could be read. */
export interface UpstreamPodcast {
  /** itunes:duration in seconds (`1:02:03`, `62:03`, `3723`). */
  durationSeconds?: number;
  /** itunes:explicit: `yes`/`true`/`explicit` → true, `no`/`false`/`clean` → false. */
  explicit?: boolean;
  /** itunes:episode, a positive integer. */
  episode?: number;
  /** itunes:image href (absolute http(s)). */
  image?: string;
}

export interface UpstreamItem {
  /** guid / Atom id / JSON Feed id, as given (trimmed). */
  guid?: string;
  /** Absolute http(s) URL of the item (resolved against xml:base / the feed URL). */
  url?: string;
  title?: string;
  /** Plain text or HTML as the feed gave it (the normalizer reduces it to text). */
  summary?: string;
  /** HTML body (content:encoded, Atom html/xhtml content, JSON content_html); unsanitized. */
  contentHtml?: string;
  contentText?: string;
  /** ISO 8601 UTC (`2022-08-26T21:00:00.000Z`) when the feed's date could be parsed. */
  published?: string;
  updated?: string;
  authors: UpstreamPerson[];
  /** Category terms/labels as given: mapped to tags through the taxonomy by the caller. */
  categories: string[];
  enclosures: UpstreamEnclosure[];
  image?: string;
  language?: string;
  podcast?: UpstreamPodcast;
  /**
   * Base URL for relative references inside contentHtml and summary: the in-scope xml:base
   * (XML Base, RFC 4287 §2), else the document URL. Often differs from `url`'s directory.
   */
  baseUrl?: string;
}

export interface ParsedFeed {
  format: UpstreamFormat;
  title?: string;
  /** The feed's home page. */
  link?: string;
  language?: string;
  /** The channel description / Atom subtitle / JSON Feed description, as plain text. */
  description?: string;
  /** The feed's logo or icon (absolute http(s) URL). */
  image?: string;
  /** The feed's own URL as it states it (atom:link rel="self", JSON Feed `feed_url`). */
  selfUrl?: string;
  /** The WHATWG name of the charset the body was decoded with (`utf-8`, `windows-1251`, ...). */
  encoding?: string;
  /**
   * Recoverable problems met while parsing, e.g. a truncated document whose complete items were
   * kept. Worth recording on the source next to its status; absent when there were none.
   */
  warnings?: string[];
  items: UpstreamItem[];
}

export interface ParseFailure {
  reason: "empty" | "not_a_feed" | "malformed" | "encoding";
  /** Human-readable, recorded on the source as its last error. */
  message: string;
}

export interface ParseOptions {
  /** The URL the document was fetched from (after redirects): base for relative links. */
  url: string;
  /** The HTTP Content-Type header, for its charset. */
  contentType?: string | null;
}

export type ParseFeed = (body: Uint8Array, options: ParseOptions) => Result<ParsedFeed, ParseFailure>;
