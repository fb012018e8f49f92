/**
 * Property-based tests of the webhook trust boundary (the input side of docs/SECURITY.md): `parseSubmission` and
 * `normalizeArticle` driven with generated junk (test-arbitraries.ts). Invariants:
 * - neither ever throws, whatever the value;
 * - a refusal is a non-empty list of field errors whose paths point into the input;
 * - an accepted article normalizes to a record that passes ArticleSchema, carries no character
 *   XML 1.0 forbids in any string, has ISO 8601 UTC dates, a valid id and valid tag slugs, and
 *   whose content_html is a fixed point of the sanitizer;
 * - normalizing is deterministic (same input, same rev: what idempotent re-delivery relies on).
 * Bounded runs keep the suite fast; a failure prints the seed and the shrunk counterexample.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ARTICLE_ID_PATTERN, type Article, ArticleSchema } from "../domain/article";
import type { FieldError } from "../domain/result";
import { TAG_SLUG_PATTERN, TAG_TYPE_PATTERN } from "../domain/tag";
import { DEFAULT_TAXONOMY } from "../tags/default-taxonomy";
import { compileTaxonomy } from "../tags/resolve";
import { normalizeArticle, stampArticle } from "./normalize";
import { sanitizeHtml } from "./sanitize";
import { parseSubmission } from "./submission";
import { NOW_MS, junkString, junkValue, mutatedArticle, submissionBody, validArticle } from "./test-arbitraries";

const taxonomy = compileTaxonomy(DEFAULT_TAXONOMY);
const context = { taxonomy, nowMs: NOW_MS };
const RUNS = { numRuns: Number(process.env.PROPERTY_RUNS ?? 300) };

/** XML 1.0 §2.2 Char, as UTF-16: what no stored string may contain. */
const XML_ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** `articles[2].tags[0].name` → ["articles", 2, "tags", 0, "name"]. */
function parsePath(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) segments.push(m[2] !== undefined ? Number(m[2]) : (m[1] as string));
  return segments;
}

/** An error path points into the input: every segment but the last exists; the last names a slot of an existing object or array. */
function pointsInto(input: unknown, path: string): boolean {
  const segments = parsePath(path);
  let node: unknown = input;
  for (const [i, segment] of segments.entries()) {
    const isLast = i === segments.length - 1;
    if (Array.isArray(node)) {
      if (typeof segment !== "number" || segment >= node.length) return false;
      node = node[segment];
    } else if (node !== null && typeof node === "object") {
      if (typeof segment !== "string") return false;
      if (!isLast && !Object.hasOwn(node, segment)) return false;
      node = (node as Record<string, unknown>)[segment];
    } else {
      return false;
    }
  }
  return true;
}

function expectErrorsPointInto(input: unknown, errors: readonly FieldError[]): void {
  expect(errors.length).toBeGreaterThan(0);
  for (const error of errors) {
    expect(typeof error.reason === "string" && error.reason.length > 0).toBe(true);
    expect(pointsInto(input, error.path), `path ${JSON.stringify(error.path)} does not point into the input`).toBe(true);
  }
}

function forEachString(value: unknown, visit: (s: string, path: string) => void, path = ""): void {
  if (typeof value === "string") visit(value, path);
  else if (Array.isArray(value)) value.forEach((v, i) => forEachString(v, visit, `${path}[${i}]`));
  else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) forEachString(v, visit, path ? `${path}.${k}` : k);
  }
}

function expectWellFormed(article: Article): void {
  const parsed = ArticleSchema.safeParse(article);
  expect(parsed.success, parsed.success ? "" : JSON.stringify(parsed.error.issues)).toBe(true);
  forEachString(article, (s, path) => expect(XML_ILLEGAL.test(s), `${path} holds an XML-illegal character`).toBe(false));
  expect(article.id).toMatch(ARTICLE_ID_PATTERN);
  expect(article.title.trim()).not.toBe("");
  for (const date of [article.published, article.updated, article.received, article.modified]) {
    if (date === undefined) continue;
    expect(date).toMatch(ISO_UTC);
    expect(new Date(date).toISOString()).toBe(date);
  }
  const tagKeys = new Set<string>();
  for (const tag of article.tags) {
    expect(tag.type).toMatch(TAG_TYPE_PATTERN);
    expect(tag.slug).toMatch(TAG_SLUG_PATTERN);
    expect(tag.name.trim()).not.toBe("");
    tagKeys.add(`${tag.type}/${tag.slug}`);
  }
  expect(tagKeys.size, "tags are unique by type and slug").toBe(article.tags.length);
  if (article.content_html !== undefined) {
    const options = article.url === undefined ? {} : { baseUrl: article.url };
    expect(sanitizeHtml(article.content_html, options), "content_html re-sanitizes to itself").toBe(article.content_html);
  }
}

/** Parse, then normalize every accepted article, checking every invariant on the way. */
async function checkBody(body: unknown): Promise<void> {
  const parsed = parseSubmission(body);
  if (!parsed.ok) {
    expectErrorsPointInto(body, parsed.error);
    return;
  }
  expect(parsed.value.articles.length).toBe(parsed.value.paths.length);
  for (const [i, input] of parsed.value.articles.entries()) {
    const path = parsed.value.paths[i] ?? "";
    const result = await normalizeArticle(input, context, path);
    if (!result.ok) {
      expectErrorsPointInto(body, result.error);
      continue;
    }
    expectWellFormed(stampArticle(result.value, null, NOW_MS));
    const again = await normalizeArticle(input, context, path);
    expect(again.ok && again.value.rev).toBe(result.value.rev);
  }
}

describe("parseSubmission with generated junk", () => {
  it("never throws on any value, and refuses with paths into the input", () => {
    fc.assert(
      fc.property(junkValue, (body) => {
        const result = parseSubmission(body);
        if (!result.ok) expectErrorsPointInto(body, result.error);
      }),
      RUNS,
    );
  });

  it("refuses a near-valid article with one field broken by naming a path into it, or accepts it", () => {
    fc.assert(
      fc.property(mutatedArticle, (article) => {
        const result = parseSubmission(article);
        if (!result.ok) expectErrorsPointInto(article, result.error);
      }),
      RUNS,
    );
  });

  it("accepts every valid article", () => {
    fc.assert(
      fc.property(validArticle, (article) => {
        const result = parseSubmission(article);
        expect(result.ok, result.ok ? "" : JSON.stringify(result.error)).toBe(true);
      }),
      RUNS,
    );
  });

  it("reports every broken article of a batch, each under its own index", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(validArticle, mutatedArticle), { minLength: 1, maxLength: 6 }), (articles) => {
        const result = parseSubmission({ articles });
        if (result.ok) return;
        expectErrorsPointInto({ articles }, result.error);
        // Each broken article is named: an article no error points at parsed alone.
        const named = new Set(result.error.map((e) => Number(/^articles\[(\d+)\]/.exec(e.path)?.[1])));
        articles.forEach((article, i) => {
          if (!named.has(i)) expect(parseSubmission(article).ok).toBe(true);
        });
      }),
      RUNS,
    );
  });
});

describe("normalizeArticle with generated junk", () => {
  it("never throws, and what it accepts is a well-formed, XML-safe, re-sanitization-stable article", async () => {
    await fc.assert(fc.asyncProperty(submissionBody, checkBody), RUNS);
  });

  it("keeps valid articles valid through junk text in every free-text field", async () => {
    await fc.assert(
      fc.asyncProperty(validArticle, junkString(60), async (article, junk) => {
        const body = {
          ...article,
          title: `T${junk}`,
          summary: junk,
          content_text: junk,
          content_html: `<p>${junk}</p>`,
          section: junk.trim() === "" ? "S" : junk.slice(0, 400),
          tags: [junk.trim() === "" ? "x" : junk, { type: "city", name: `${junk}Алматы` }],
          authors: [{ name: `A${junk}` }],
          source: { name: `S${junk}` },
        };
        await checkBody(body);
      }),
      RUNS,
    );
  });
});

describe("counterexamples these properties found, kept as plain cases", () => {
  it("refuses a tag, author or source name made only of characters XML cannot carry, naming the field", async () => {
    const parsed = parseSubmission({
      id: "a",
      title: "A",
      published: "2024-01-01T00:00:00Z",
      tags: ["ok", "\ud800", { type: "city", name: "\u0001" }],
      authors: [{ name: "\uffff" }],
      source: { name: "\udc00" },
    });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const result = await normalizeArticle(parsed.value.articles[0]!, context, "articles[0]");
    expect(result.ok ? [] : result.error.map((e) => e.path)).toEqual([
      "articles[0].tags[1]",
      "articles[0].tags[2]",
      "articles[0].authors[0].name",
      "articles[0].source.name",
    ]);
  });

  it("strips a lone surrogate from a tag name that has visible text too", async () => {
    const parsed = parseSubmission({ id: "a", title: "A", published: "2024-01-01T00:00:00Z", tags: ["A\ud800"] });
    if (!parsed.ok) throw new Error("refused");
    const result = await normalizeArticle(parsed.value.articles[0]!, context);
    expect(result.ok && result.value.tags.map((t) => t.name)).toEqual(["A"]);
  });

  it("sanitizes idempotently when an unwrapped element sits between a <p> and the next one", () => {
    for (const html of ['<p><a href="&#106;avascript:x"><p>', "<p><font><p>x", "<li><blink><li>y", "<td><x-y><td>z"]) {
      const once = sanitizeHtml(html);
      expect(sanitizeHtml(once), html).toBe(once);
    }
    expect(sanitizeHtml('<p><a href="javascript:x"><p>')).toBe("<p></p><p></p>");
  });

  it("sanitizes idempotently a character whose NFC form holds U+0338 (a composition exclusion)", () => {
    for (const html of ["\u2adc", '<p title="\u2adc">x\u2adc</p>', "=\u0338 \u2add\u0338"]) {
      const once = sanitizeHtml(html);
      expect(sanitizeHtml(once), html).toBe(once);
    }
  });
});
