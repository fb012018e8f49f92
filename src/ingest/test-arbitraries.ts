/**
 * Test-only fast-check generators of hostile webhook input, shared by the unit property tests
 * (submission.property.test.ts, in Node) and the workerd ones (test/properties.workerd.test.ts).
 * Not imported by production code.
 *
 * - `junkString`: any code point, lone surrogates, C0 controls, U+FFFE/U+FFFF, line and paragraph
 *   separators, BOM, entities, markup and Cyrillic, mixed.
 * - `junkValue`: any JSON value, plus JS oddities a parser never produces (NaN, -0, Infinity,
 *   null-prototype objects) and deep nesting.
 * - `validArticle`: an article the schema accepts, with junk wherever the schema allows it.
 * - `mutatedArticle`: a valid article with one field, at any depth, replaced, removed or inflated.
 */
import fc from "fast-check";

/** Characters that break naive code: controls, XML-illegal ones, separators, markup, scripts. */
const NASTY = [
  "\u0000", "\u0001", "\u0008", "\u000b", "\u000c", "\u001f", "\u007f", "\u0085", "\ufffe", "\uffff",
  "\u2028", "\u2029", "\u200b", "\u200d", "\ufeff", "\u00a0", "\u3000", "\r\n", "\r", "\n", "\t", " ",
  "<", ">", "&", '"', "'", "`", "&amp;", "&#0;", "&#x0;", "&#xD800;", "&#1;", "&nbsp;", "&lt;script&gt;",
  "]]>", "<![CDATA[", "<!--", "-->", "<script>", "</script>", "javascript:", "e\u0301", "\u0430\u0301",
  "😀", "👩‍👩‍👧", "\ud83d", "\ude00", "Алматы", "AMANAT", "Нур-Султан", "Қарағанды", "北京", "%00", "%ZZ",
  "../", "\\", "\u202e", "ﷺ", "ǅ", "İ", "ß",
];

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const control = fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c));

const junkUnit = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 1, arbitrary: loneSurrogate },
  { weight: 1, arbitrary: control },
);

export const junkString = (maxLength = 40): fc.Arbitrary<string> => fc.string({ unit: junkUnit, maxLength });

/** Text with at least one visible letter, so the schema's "must not be empty" lets it through. */
export const visibleText = (maxLength = 30): fc.Arbitrary<string> =>
  fc.tuple(junkString(maxLength), fc.constantFrom("A", "Я", "z", "7", "Ә"), junkString(maxLength)).map(([a, b, c]) => a + b + c);

/** Strings far past every field limit: they must be refused (or stored) without hanging. */
export const hugeString: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom("x", "Я", "<b>", "\ud800", "&amp;", "😀", " "), fc.constantFrom(1_025, 10_001, 70_000, 1_100_000))
  .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)));

/** `depth` levels of arrays or objects around a value. */
export function nest(depth: number, kind: "array" | "object", inner: unknown = "x"): unknown {
  let value = inner;
  for (let i = 0; i < depth; i++) value = kind === "array" ? [value] : { a: value };
  return value;
}

export const deepValue: fc.Arbitrary<unknown> = fc
  .tuple(fc.constantFrom(10, 100, 1_000, 5_000), fc.constantFrom<"array" | "object">("array", "object"))
  .map(([depth, kind]) => nest(depth, kind));

const jsOddity = fc.constantFrom<unknown>(
  Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 1e308, -1e308, 5e-324,
  Number.MAX_SAFE_INTEGER + 2, -1, 0.5, true, false, null, "", [], {}, [null], Object.create(null),
  JSON.parse('{"__proto__": {"title": "polluted", "published": "2024-01-01"}, "constructor": {"prototype": {"x": 1}}}'),
);

export const junkValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 2, arbitrary: jsOddity },
  { weight: 2, arbitrary: junkString() },
  { weight: 1, arbitrary: hugeString },
  { weight: 1, arbitrary: deepValue },
);

/** A fixed clock for normalizing: published dates up to it (plus the allowed skew) are accepted. */
export const NOW_MS = Date.parse("2025-06-01T12:00:00Z");

const isoDate: fc.Arbitrary<string> = fc
  .tuple(
    fc.integer({ min: 0, max: NOW_MS }),
    fc.constantFrom("Z", "+03:00", "-05:30", "+0500", "+06", "", "z"),
    fc.constantFrom("T", " "),
    fc.boolean(),
  )
  .map(([ms, zone, separator, withMs]) => {
    const iso = new Date(ms).toISOString().replace("T", separator).replace("Z", "");
    const base = withMs ? iso : iso.slice(0, 19);
    return `${base}${zone}`;
  });

const webUrl = fc.webUrl({ withQueryParameters: true, withFragments: true });

const htmlPiece = fc.oneof(
  fc.constantFrom(
    "<p>", "</p>", "<b>", "</b>", "<div>", "</div>", "<li>", "<table><tr><td>", "<a href=\"/relative\">", "</a>",
    "<a href='javascript:alert(1)'>x</a>", "<img src=x onerror=alert(1)>", "<img src=\"data:image/svg+xml,<svg onload=alert(1)>\">",
    "<svg><script>alert(1)</script></svg>", "<math><mi xlink:href=\"javascript:x\">", "<style>*{x:expression(alert(1))}</style>",
    "<script>alert(1)</script>", "<iframe src=//evil>", "<!-- c -->", "<![CDATA[x]]>", "<p title=\"&#xD800;\">", "<br/>",
    "<a href=\"&#106;avascript:x\">", "<video poster=javascript:x>", "<p style=\"color:red\">", "<<p>>", "</>", "<",
  ),
  junkString(20),
);
export const junkHtml: fc.Arbitrary<string> = fc.array(htmlPiece, { maxLength: 25 }).map((parts) => parts.join(""));

const tagType = fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/);
const tagInput = fc.oneof(
  visibleText(20),
  fc.constantFrom("Алматы", "Almaty", "AMANAT", "Аманат", "Нур-Султан", "almaty", "ALMATY"),
  fc.record({ type: fc.oneof(tagType, fc.constantFrom("city", "party", "section", "topic")), name: visibleText(20) }),
);

const person = fc.record({ name: visibleText(20), url: webUrl }, { requiredKeys: ["name"] });

/** A webhook article the schema accepts, with junk wherever the schema lets junk through. */
export const validArticle: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    id: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._~-]{0,30}$/),
    url: webUrl,
    title: visibleText(),
    summary: fc.oneof(junkString(200), junkHtml),
    content_html: junkHtml,
    content_text: junkString(200),
    published: isoDate,
    updated: isoDate,
    authors: fc.array(person, { maxLength: 3 }),
    language: fc.constantFrom("ru", "kk-KZ", "en", "zh-Hant"),
    image: webUrl,
    section: junkString(20),
    source: person,
    enclosures: fc.array(
      fc.record({ url: webUrl, type: fc.constantFrom("audio/mpeg", "image/JPEG", "video/mp4"), length: fc.nat() }, { requiredKeys: ["url", "type"] }),
      { maxLength: 2 },
    ),
    tags: fc.array(tagInput, { maxLength: 6 }),
  },
  { requiredKeys: ["id", "title", "published"] },
);

/** Every path to a value inside `value` (object keys and array indexes), the root excluded. */
export function pathsOf(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push([...prefix, i]);
      pathsOf(v, [...prefix, i], out);
    });
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      out.push([...prefix, k]);
      pathsOf(v, [...prefix, k], out);
    }
  }
  return out;
}

type Mutation = { kind: "replace"; value: unknown } | { kind: "remove" } | { kind: "huge" };

/** Sets, removes or inflates the value at `path` in a copy of `article`. */
export function mutateAt(article: Record<string, unknown>, path: readonly (string | number)[], mutation: Mutation): Record<string, unknown> {
  const copy = structuredClone(article);
  let parent: any = copy;
  for (const segment of path.slice(0, -1)) parent = parent[segment];
  const last = path[path.length - 1]!;
  if (mutation.kind === "remove") {
    if (Array.isArray(parent) && typeof last === "number") parent.splice(last, 1);
    else delete parent[last];
  } else if (mutation.kind === "huge") {
    const current = parent[last];
    parent[last] = typeof current === "string" ? current + "x".repeat(1_100_000) : Array.isArray(current) ? Array(200).fill(current[0] ?? "x") : "x".repeat(1_100_000);
  } else {
    parent[last] = mutation.value;
  }
  return copy;
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: junkValue.map((value): Mutation => ({ kind: "replace", value })) },
  { weight: 2, arbitrary: fc.constant<Mutation>({ kind: "remove" }) },
  { weight: 1, arbitrary: fc.constant<Mutation>({ kind: "huge" }) },
);

/** A valid article with exactly one field (at any depth, or a new one) replaced, removed or inflated. */
export const mutatedArticle: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(validArticle, fc.nat(), mutation, fc.boolean())
  .map(([article, pick, change, addField]) => {
    if (addField) return mutateAt(article, [`extra_${pick % 5}`], change);
    const paths = pathsOf(article);
    const path = paths[pick % paths.length];
    return path ? mutateAt(article, path, change) : article;
  });

/** What a webhook body may be: junk, an article, a mutated one, or a list or wrapper of them. */
export const submissionBody: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 2, arbitrary: junkValue },
  { weight: 2, arbitrary: validArticle },
  { weight: 4, arbitrary: mutatedArticle },
  { weight: 2, arbitrary: fc.array(fc.oneof(validArticle, mutatedArticle), { maxLength: 4 }) },
  { weight: 2, arbitrary: fc.array(fc.oneof(validArticle, mutatedArticle, junkValue), { maxLength: 4 }).map((articles) => ({ articles })) },
  { weight: 1, arbitrary: junkValue.map((articles) => ({ articles })) },
);
