import { describe, expect, test } from "vitest";
import * as z from "zod";
import { renderJsonFeed } from "./json-feed";
import { formatUrls, makeArticle, makeDocument, makeItem, ORIGIN } from "./test-factories";

/** JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/), as strictly as the spec allows. */
const isAbsoluteHttpUrl = (s: string): boolean => {
  try {
    return ["http:", "https:"].includes(new URL(s).protocol) && /^https?:\/\//.test(s);
  } catch {
    return false;
  }
};
const AbsoluteUrl = z.string().refine(isAbsoluteHttpUrl, "must be an absolute http(s) URL");
const Rfc3339 = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
/** "Publishers can use custom objects ... names must start with an _ character followed by a letter." */
const onlyKnownOrExtensionKeys = (known: readonly string[]) => (value: Record<string, unknown>, ctx: z.RefinementCtx) => {
  for (const key of Object.keys(value)) {
    if (!known.includes(key) && !/^_[A-Za-z]/.test(key)) ctx.addIssue({ code: "custom", message: `unknown key ${key}` });
  }
};

const AuthorSchema = z
  .object({ name: z.string().optional(), url: AbsoluteUrl.optional(), avatar: AbsoluteUrl.optional() })
  .strict()
  .refine((a) => a.name !== undefined || a.url !== undefined || a.avatar !== undefined, "author needs name, url or avatar");

const AttachmentSchema = z
  .object({
    url: AbsoluteUrl,
    mime_type: z.string().regex(/^[\w.+-]+\/[\w.+-]+$/),
    title: z.string().optional(),
    size_in_bytes: z.number().int().nonnegative().optional(),
    duration_in_seconds: z.number().nonnegative().optional(),
  })
  .strict();

const ITEM_KEYS = [
  "id", "url", "external_url", "title", "content_html", "content_text", "summary", "image", "banner_image",
  "date_published", "date_modified", "authors", "tags", "language", "attachments",
] as const;

const ItemSchema = z
  .looseObject({
    id: z.string().min(1),
    url: AbsoluteUrl.optional(),
    external_url: AbsoluteUrl.optional(),
    title: z.string().optional(),
    content_html: z.string().optional(),
    content_text: z.string().optional(),
    summary: z.string().optional(),
    image: AbsoluteUrl.optional(),
    banner_image: AbsoluteUrl.optional(),
    date_published: Rfc3339.optional(),
    date_modified: Rfc3339.optional(),
    authors: z.array(AuthorSchema).min(1).optional(),
    tags: z.array(z.string()).optional(),
    language: z.string().regex(/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/).optional(),
    attachments: z.array(AttachmentSchema).min(1).optional(),
  })
  .superRefine(onlyKnownOrExtensionKeys(ITEM_KEYS))
  .refine((i) => i.content_html !== undefined || i.content_text !== undefined, "content_html or content_text is required");

const FEED_KEYS = [
  "version", "title", "home_page_url", "feed_url", "description", "user_comment", "next_url", "icon", "favicon",
  "authors", "language", "expired", "hubs", "items",
] as const;

const JsonFeedSchema = z
  .looseObject({
    version: z.literal("https://jsonfeed.org/version/1.1"),
    title: z.string(),
    home_page_url: AbsoluteUrl.optional(),
    feed_url: AbsoluteUrl.optional(),
    description: z.string().optional(),
    user_comment: z.string().optional(),
    next_url: AbsoluteUrl.optional(),
    icon: AbsoluteUrl.optional(),
    favicon: AbsoluteUrl.optional(),
    authors: z.array(AuthorSchema).min(1).optional(),
    language: z.string().optional(),
    expired: z.boolean().optional(),
    items: z.array(ItemSchema),
  })
  .superRefine(onlyKnownOrExtensionKeys(FEED_KEYS));

type JsonFeed = z.infer<typeof JsonFeedSchema>;
type JsonItem = JsonFeed["items"][number] & Record<string, unknown>;

function parse(json: string): JsonFeed {
  const result = JsonFeedSchema.safeParse(JSON.parse(json));
  if (!result.success) throw new Error(z.prettifyError(result.error));
  return result.data;
}

const firstItem = (feed: JsonFeed): JsonItem => {
  const item = feed.items[0];
  if (!item) throw new Error("no item");
  return item as JsonItem;
};

describe("renderJsonFeed", () => {
  test("top level: version 1.1, titles, URLs, authors (not author), language", () => {
    const feed = parse(renderJsonFeed(makeDocument()));
    expect(feed).toMatchObject({
      version: "https://jsonfeed.org/version/1.1",
      title: "Алматы — tagfeed",
      home_page_url: `${ORIGIN}/tags/city/almaty`,
      feed_url: `${ORIGIN}/feeds/city/almaty.json`,
      description: "Новости с тегом «Алматы»",
      authors: [{ name: "tagfeed", url: ORIGIN }],
      language: "ru",
    });
    expect(feed).not.toHaveProperty("author");
    expect(feed).not.toHaveProperty("next_url");
  });

  test("next_url pages to older items", () => {
    const doc = makeDocument({ links: { ...makeDocument().links, next: formatUrls("/feeds/city/almaty?before=x") } });
    expect(parse(renderJsonFeed(doc)).next_url).toBe(`${ORIGIN}/feeds/city/almaty?before=x.json`);
  });

  test("items carry id, url, title, content, summary, dates, authors, tags, language", () => {
    const article = makeArticle({ updated: "2022-08-28T06:30:00.000Z", image: "https://x.kz/i.jpg", section: "Политика" });
    const item = firstItem(parse(renderJsonFeed(makeDocument({ items: [makeItem(article)] }))));
    expect(item).toEqual({
      id: "urn:tagfeed:article:a-1",
      url: article.url,
      title: article.title,
      content_html: article.content_html,
      summary: article.summary,
      image: "https://x.kz/i.jpg",
      date_published: "2022-08-26T21:00:00Z",
      date_modified: "2022-08-28T06:30:00Z",
      authors: [{ name: "Даулет Карибек", url: "https://news.example.kz/authors/karibek" }],
      tags: ["AMANAT", "Алматы"],
      language: "ru",
      _tagfeed: {
        section: "Политика",
        tags: [
          { type: "party", slug: "amanat", name: "AMANAT", url: `${ORIGIN}/tags/party/amanat` },
          { type: "city", slug: "almaty", name: "Алматы", url: `${ORIGIN}/tags/city/almaty` },
        ],
        sources: [{ name: "News KZ", url: "https://news.example.kz/" }],
      },
    });
  });

  test("the service page is the url when the article has none", () => {
    const item = firstItem(parse(renderJsonFeed(makeDocument({ items: [makeItem(makeArticle({ url: undefined }))] }))));
    expect(item.url).toBe(`${ORIGIN}/articles/a-1`);
  });

  test("attachments from enclosures, size only when known", () => {
    const article = makeArticle({
      enclosures: [
        { url: "https://x.kz/a.mp3", type: "audio/mpeg", length: 10 },
        { url: "https://x.kz/b.mp4", type: "video/mp4" },
      ],
    });
    expect(firstItem(parse(renderJsonFeed(makeDocument({ items: [makeItem(article)] })))).attachments).toEqual([
      { url: "https://x.kz/a.mp3", mime_type: "audio/mpeg", size_in_bytes: 10 },
      { url: "https://x.kz/b.mp4", mime_type: "video/mp4" },
    ]);
  });

  test("content_text when there is no HTML; the summary (or empty text) when there is neither", () => {
    const text = makeArticle({ content_html: undefined, content_text: "plain" });
    const summaryOnly = makeArticle({ id: "b", content_html: undefined, summary: "just a summary" });
    const nothing = makeArticle({ id: "c", content_html: undefined, summary: undefined });
    const feed = parse(renderJsonFeed(makeDocument({ items: [makeItem(text), makeItem(summaryOnly), makeItem(nothing)] })));
    expect(feed.items.map((i) => [i.content_html, i.content_text])).toEqual([
      [undefined, "plain"],
      [undefined, "just a summary"],
      [undefined, ""],
    ]);
  });

  test("tag names are deduplicated; items without tags, authors or extras omit those keys", () => {
    const article = makeArticle({
      authors: [],
      sources: [],
      tags: [
        { type: "city", name: "Алматы", slug: "almaty" },
        { type: "region", name: "Алматы", slug: "almaty" },
      ],
    });
    const item = firstItem(parse(renderJsonFeed(makeDocument({ items: [makeItem(article)] }))));
    expect(item.tags).toEqual(["Алматы"]);
    expect(item).not.toHaveProperty("authors");
    const bare = firstItem(
      parse(renderJsonFeed(makeDocument({ items: [makeItem(makeArticle({ tags: [], sources: [], authors: [] }))] }))),
    );
    expect(Object.keys(bare)).not.toContain("tags");
    expect(Object.keys(bare)).not.toContain("_tagfeed");
  });

  test("the schema rejects what JSON Feed 1.1 forbids", () => {
    const valid = JSON.parse(renderJsonFeed(makeDocument())) as Record<string, unknown>;
    expect(JsonFeedSchema.safeParse({ ...valid, version: "https://jsonfeed.org/version/1" }).success).toBe(false);
    expect(JsonFeedSchema.safeParse({ ...valid, author: { name: "x" } }).success).toBe(false);
    expect(JsonFeedSchema.safeParse({ ...valid, feed_url: "/relative" }).success).toBe(false);
    expect(JsonFeedSchema.safeParse({ ...valid, items: [{ id: "x" }] }).success).toBe(false);
    expect(JsonFeedSchema.safeParse({ ...valid, _ext: {} }).success).toBe(true);
  });
});

describe("renderJsonFeed: RFC 5005 §4 archives in the _tagfeed extension", () => {
  test("an archive says so, links current and its neighbours, and next_url is the older archive", () => {
    const feed = JSON.parse(
      renderJsonFeed(
        makeDocument({
          links: {
            self: formatUrls("/feeds/all/archive/2"),
            alternate: ORIGIN,
            current: formatUrls("/feeds/all"),
            prevArchive: formatUrls("/feeds/all/archive/1"),
            nextArchive: formatUrls("/feeds/all/archive/3"),
            archive: true,
          },
        }),
      ),
    ) as Record<string, unknown>;
    expect(feed._tagfeed).toEqual({
      archive: true,
      current: `${ORIGIN}/feeds/all.json`,
      prev_archive: `${ORIGIN}/feeds/all/archive/1.json`,
      next_archive: `${ORIGIN}/feeds/all/archive/3.json`,
    });
    expect(feed.next_url).toBe(`${ORIGIN}/feeds/all/archive/1.json`);
  });

  test("the current feed names only its newest archive; its next_url stays the paging link", () => {
    const links = { self: formatUrls("/feeds/all"), alternate: ORIGIN, next: formatUrls("/feeds/all-next"), prevArchive: formatUrls("/feeds/all/archive/4") };
    const feed = JSON.parse(renderJsonFeed(makeDocument({ links }))) as Record<string, unknown>;
    expect(feed._tagfeed).toEqual({ prev_archive: `${ORIGIN}/feeds/all/archive/4.json` });
    expect(feed.next_url).toBe(`${ORIGIN}/feeds/all-next.json`);
    expect(JSON.parse(renderJsonFeed(makeDocument()))._tagfeed).toBeUndefined();
  });
});
