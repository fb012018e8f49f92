/**
 * Property-based test of POST /api/articles inside workerd (docs/SECURITY.md, input): a few hundred
 * generated bodies — junk JSON, near-valid articles with one field broken, truncated JSON,
 * mis-encoded bytes, wrong content types, giant numbers — each correctly signed, so they get
 * past auth and reach the parser. Invariants:
 * - the answer is always 2xx or 4xx, never 5xx, and a 4xx carries the JSON error body;
 * - a rejected request stores nothing: every key that appeared in KV during the run is
 *   explained by an accepted answer (its articles, their index keys, tags, feed versions, and
 *   one `seen:` record per accepted message).
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { app } from "../src/app";
import { junkValue, mutatedArticle, submissionBody, validArticle } from "../src/ingest/test-arbitraries";
import { BASE, signedHeaders } from "./helpers";

/** The app's own fetch, as src/index.ts serves it (the pool's `exports.default.fetch` slows down with every request served). */
async function call(path: string, init: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(`${BASE}${path}`, init), env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

const RUNS = 500;
const encoder = new TextEncoder();

interface GeneratedRequest {
  kind: string;
  body: Uint8Array;
  contentType: string | null;
}

const utf8 = (text: string): Uint8Array => encoder.encode(text);
const latin1 = (text: string): Uint8Array => Uint8Array.from([...text].map((c) => c.charCodeAt(0) & 0xff));
function utf16le(text: string): Uint8Array {
  const out = new Uint8Array(2 + text.length * 2);
  out.set([0xff, 0xfe]);
  for (let i = 0; i < text.length; i++) {
    out[2 + i * 2] = text.charCodeAt(i) & 0xff;
    out[3 + i * 2] = text.charCodeAt(i) >> 8;
  }
  return out;
}

/** Byte sequences UTF-8 forbids: a lone continuation, overlong `/`, a surrogate, 0xFF, a cut sequence. */
const BAD_BYTES = [[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xff], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80]];

function insertBytes(bytes: Uint8Array, at: number, insert: readonly number[]): Uint8Array {
  const i = at % (bytes.length + 1);
  return Uint8Array.from([...bytes.subarray(0, i), ...insert, ...bytes.subarray(i)]);
}

/** JSON texts with numbers no JS number holds exactly, in every numeric and non-numeric field. */
const GIANT_NUMBERS = ["1e400", "-1e400", "123456789012345678901234567890", "-0", "1e-400", "9007199254740993", "0.1e99999"];
const giantNumberBody = fc
  .tuple(validArticle, fc.constantFrom(...GIANT_NUMBERS), fc.constantFrom("title", "published", "id", "tags", "length", "authors"))
  .map(([article, number, field]) => {
    if (field === "length") {
      return `{"id":"g1","title":"t","published":"2024-01-01T00:00:00Z","enclosures":[{"url":"https://a.example/x.mp3","type":"audio/mpeg","length":${number}}]}`;
    }
    const { [field]: _dropped, ...rest } = article;
    return `{${JSON.stringify(rest).slice(1, -1)}${Object.keys(rest).length > 0 ? "," : ""}"${field}":${number}}`;
  });

const JSON_TYPE = "application/json";
const WRONG_TYPES = [
  "text/plain", "application/xml", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded",
  "application/json; charset=latin1", "application/json; charset=utf-16", "application/jsonx", "json", "",
  "application/json;;;", "application/json; charset=", "text/json", "*/*",
];
const ODD_BUT_JSON = ["APPLICATION/JSON", "application/vnd.api+json", 'application/json; charset="UTF-8"', "application/json;charset=utf8"];

const generatedRequest: fc.Arbitrary<GeneratedRequest> = fc.oneof(
  { weight: 3, arbitrary: junkValue.map((v): GeneratedRequest => ({ kind: "junk JSON", body: utf8(JSON.stringify(v) ?? "null"), contentType: JSON_TYPE })) },
  { weight: 4, arbitrary: mutatedArticle.map((v): GeneratedRequest => ({ kind: "wrong types", body: utf8(JSON.stringify(v)), contentType: JSON_TYPE })) },
  { weight: 2, arbitrary: submissionBody.map((v): GeneratedRequest => ({ kind: "submission", body: utf8(JSON.stringify(v) ?? "null"), contentType: JSON_TYPE })) },
  {
    weight: 2,
    arbitrary: fc.tuple(submissionBody, fc.nat()).map(([v, cut]): GeneratedRequest => {
      const text = JSON.stringify(v) ?? "null";
      return { kind: "truncated JSON", body: utf8(text.slice(0, cut % Math.max(text.length, 1))), contentType: JSON_TYPE };
    }),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(validArticle, fc.nat(), fc.constantFrom(...BAD_BYTES), fc.constantFrom("insert", "latin1", "utf16"))
      .map(([v, at, bad, how]): GeneratedRequest => {
        const text = JSON.stringify({ ...v, title: `Заголовок ${String(v.title)}` });
        const body = how === "latin1" ? latin1(text) : how === "utf16" ? utf16le(text) : insertBytes(utf8(text), at, bad);
        return { kind: `mis-encoded (${how})`, body, contentType: JSON_TYPE };
      }),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(validArticle, fc.constantFrom<string | null>(...WRONG_TYPES, ...ODD_BUT_JSON, null))
      .map(([v, type]): GeneratedRequest => ({ kind: `content type ${JSON.stringify(type)}`, body: utf8(JSON.stringify(v)), contentType: type })),
  },
  { weight: 2, arbitrary: giantNumberBody.map((text): GeneratedRequest => ({ kind: "giant number", body: utf8(text), contentType: JSON_TYPE })) },
);

async function allKeys(): Promise<Set<string>> {
  const keys = new Set<string>();
  let cursor: string | undefined;
  for (;;) {
    const page = await env.KV.list({ cursor });
    for (const key of page.keys) keys.add(key.name);
    if (page.list_complete) return keys;
    cursor = page.cursor;
  }
}

async function post(request: GeneratedRequest): Promise<Response> {
  const headers = await signedHeaders(request.body);
  if (request.contentType === null) delete headers["content-type"];
  else headers["content-type"] = request.contentType;
  return call("/api/articles", { method: "POST", headers, body: request.body });
}

describe("POST /api/articles with generated bodies", () => {
  it("answers 2xx or 4xx, never 5xx, and a rejected request stores nothing", async () => {
    const before = await allKeys();
    const acceptedIds = new Set<string>();
    const acceptedFeeds = new Set<string>(["all"]);
    const acceptedTags = new Set<string>();
    let acceptedMessages = 0;
    const statuses = new Map<number, number>();

    await fc.assert(
      fc.asyncProperty(generatedRequest, async (request) => {
        const response = await post(request);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        expect(response.status, request.kind).toBeLessThan(500);
        expect(response.status, request.kind).toBeGreaterThanOrEqual(200);
        const answer = (await response.json()) as any;
        if (response.status >= 400) {
          expect(answer.error?.status, request.kind).toBe(response.status);
          expect(typeof answer.error?.code).toBe("string");
          return;
        }
        acceptedMessages++;
        for (const article of answer.articles as { id: string; tags: { type: string; slug: string }[] }[]) {
          acceptedIds.add(article.id);
          for (const tag of article.tags) {
            acceptedTags.add(`${tag.type}:${tag.slug}`);
            acceptedFeeds.add(`t/${tag.type}/${tag.slug}`);
          }
        }
      }),
      { numRuns: RUNS },
    );

    // Both outcomes were exercised: the generators are not all-junk or all-valid.
    const accepted = [...statuses].filter(([s]) => s < 300).reduce((n, [, c]) => n + c, 0);
    expect(accepted).toBeGreaterThan(RUNS / 20);
    expect(accepted).toBeLessThan(RUNS - RUNS / 20);
    for (const status of [400, 415]) expect(statuses.get(status) ?? 0, `status ${status} seen`).toBeGreaterThan(0);

    const added = [...(await allKeys())].filter((key) => !before.has(key));
    const unexplained = added.filter((key) => {
      if (key.startsWith("article:")) return !acceptedIds.has(key.slice("article:".length));
      if (key.startsWith("idx:")) {
        const match = /^idx:(.+):\d{13}:([^:]+)$/.exec(key);
        return !match || !acceptedFeeds.has(match[1] ?? "") || !acceptedIds.has(match[2] ?? "");
      }
      if (key.startsWith("tag:")) return !acceptedTags.has(key.slice("tag:".length));
      if (key.startsWith("fv:")) return !acceptedFeeds.has(key.slice("fv:".length));
      // The tag set's version moves when an accepted article brought a new tag.
      if (key === "tagset:version") return acceptedTags.size === 0;
      return !key.startsWith("seen:");
    });
    expect(unexplained).toEqual([]);
    expect(added.filter((key) => key.startsWith("seen:")).length).toBeLessThanOrEqual(acceptedMessages);
  }, 120_000);
});
