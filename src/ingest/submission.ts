/**
 * The webhook body, validated as a whole: one article, an array, or `{"articles": [...]}`.
 * Pure. Returns every invalid field with its JSON path, so a publisher fixes them all at once;
 * any error refuses the whole request (nothing of it is stored).
 */
import type { z } from "zod";
import { type ArticleInput, ArticleInputSchema, LIMITS } from "../domain/article";
import { type FieldError, type Result, err, ok } from "../domain/result";

export interface ParsedSubmission {
  articles: ArticleInput[];
  /** JSON path of each article in the body: `articles[3]`, `[3]` or `` for a lone object. */
  paths: string[];
}

export function parseSubmission(body: unknown): Result<ParsedSubmission, FieldError[]> {
  let items: unknown[];
  let pathOf: (i: number) => string;
  if (Array.isArray(body)) {
    items = body;
    pathOf = (i) => `[${i}]`;
  } else if (isRecord(body) && "articles" in body) {
    if (!Array.isArray(body.articles)) return err([{ path: "articles", reason: "must be an array of articles" }]);
    items = body.articles;
    pathOf = (i) => `articles[${i}]`;
  } else if (isRecord(body)) {
    items = [body];
    pathOf = () => "";
  } else {
    return err([{ path: "", reason: "must be an article object, an array of them, or {\"articles\": [...]}" }]);
  }
  if (items.length === 0) return err([{ path: pathOf(0).replace(/\[0\]$/, "") || "", reason: "must hold at least one article" }]);
  if (items.length > LIMITS.articlesPerRequest) {
    return err([{ path: pathOf(0).replace(/\[0\]$/, ""), reason: `must hold at most ${LIMITS.articlesPerRequest} articles` }]);
  }

  const errors: FieldError[] = [];
  const articles: ArticleInput[] = [];
  const firstIndexOfId = new Map<string, number>();
  items.forEach((item, i) => {
    const parsed = ArticleInputSchema.safeParse(item);
    if (!parsed.success) {
      errors.push(...parsed.error.issues.map((issue) => toFieldError(pathOf(i), issue)));
      return;
    }
    articles.push(parsed.data);
    const key = parsed.data.id ?? parsed.data.url;
    if (key !== undefined) {
      const first = firstIndexOfId.get(key);
      if (first !== undefined) {
        errors.push({ path: joinPath(pathOf(i), [parsed.data.id ? "id" : "url"]), reason: `repeats the article at ${pathOf(first) || "[0]"}` });
      } else {
        firstIndexOfId.set(key, i);
      }
    }
  });
  return errors.length > 0 ? err(errors) : ok({ articles, paths: items.map((_, i) => pathOf(i)) });
}

function toFieldError(prefix: string, issue: z.core.$ZodIssue): FieldError {
  let reason = issue.message;
  if (issue.code === "invalid_type" && issue.input === undefined) reason = "is required";
  return { path: joinPath(prefix, issue.path), reason };
}

/** `articles[2]` + ["tags", 0, "name"] → `articles[2].tags[0].name`. */
export function joinPath(prefix: string, segments: readonly PropertyKey[]): string {
  let path = prefix;
  for (const segment of segments) {
    if (typeof segment === "number") path += `[${segment}]`;
    else path += path === "" ? String(segment) : `.${String(segment)}`;
  }
  return path;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
