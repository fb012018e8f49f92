/**
 * Serving RFC 5005 §4 archive documents: `/feeds/{type}/{slug}/archive/{n}.{rss,atom,json}` and
 * `/feeds/all/archive/{n}...`. An archive page is one KV read of its document (`arc:`) and one of
 * the feed's archive count (`arcidx:`, reused in this isolate for a minute), whatever its depth;
 * rendered bodies are kept in this isolate by the document's version token.
 */
import type { Tag } from "../domain/tag";
import type { FeedFormat } from "../render";
import { getArchive, getArchiveIndex } from "../store/archives";
import { ALL_FEED, tagFeedKey } from "../store/keys";
import { BoundedLru } from "./bounded-lru";
import { buildFeedDocument } from "./document";
import { type ServedFeed, renderDocument } from "./serve-feed";
import { DEFAULT_LIMIT, type SiteUrls } from "./urls";

export interface ArchiveRequest {
  /** The canonical tag, or undefined for the feed of every article. */
  tag: Pick<Tag, "type" | "slug"> | undefined;
  knownTag: Tag | undefined;
  typeLabel: string | undefined;
  n: number;
  format: FeedFormat;
  urls: SiteUrls;
}

const recentArchives = new BoundedLru<ServedFeed>(50, 8 * 1024 * 1024, (served) => served.body.byteLength);

/** The archive, or null when the feed has no archive `n`. */
export async function serveArchive(kv: KVNamespace, request: ArchiveRequest): Promise<ServedFeed | null> {
  const feed = request.tag ? tagFeedKey(request.tag) : ALL_FEED;
  const [index, stored] = await Promise.all([getArchiveIndex(kv, feed), getArchive(kv, feed, request.n)]);
  if (!stored) return null;
  // A seal this isolate has not heard of yet: the archive itself proves the count is at least n.
  const count = Math.max(index?.count ?? 0, request.n);
  const key = [feed, request.n, stored.token, count, request.format, request.urls.origin, request.urls.hubs.join(" ")].join("\n");
  const recent = recentArchives.get(key);
  if (recent) return { ...recent, layer: "memory" };
  const tag = request.tag ? (request.knownTag ?? stored.tag ?? { ...request.tag, name: request.tag.slug }) : undefined;
  const document = buildFeedDocument(
    {
      tag,
      ...(request.typeLabel !== undefined && { typeLabel: request.typeLabel }),
      articles: stored.articles,
      limit: DEFAULT_LIMIT,
      after: undefined,
      next: undefined,
      changedMs: stored.changedMs,
      archive: { n: request.n, count },
    },
    request.urls,
  );
  const served: ServedFeed = { ...(await renderDocument(document, request.format, stored.changedMs)), layer: "snapshot" };
  recentArchives.set(key, served);
  return served;
}
