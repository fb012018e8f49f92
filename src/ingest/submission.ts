/**
 * The webhook body, validated as a whole: one article, an array, or `{"articles": [...]}`.
 * Pure. Returns every invalid field with its JSON path, so a publisher fixes them all at once;
 * any error refuses the whole request (nothing of it is stored).
 */
import { type ArticleInput, ArticleInputSchema, LIMITS } from "../domain/article";
import { type FieldError, PARSE_REPORTING, type Result, err, joinPath, ok, toFieldError } from "../domain/result";

export interface ParsedSubmission {
  articles: ArticleInput[];
  /** JSON path of each article in the body: `articles[3]`, `[3]` or `` for a lone object. */
  paths: string[];
}

export interface SubmittedArticle {
  input: ArticleInput;
  /** JSON path of the article in the body: `articles[3]`, `[3]` or `` for a lone object. */
  path: string;
}

/**
 * The body's articles that pass the schema, and the field errors of those that do not — so the
 * caller can go on checking the valid ones and report every error at once. Err only when the
 * body is not a list of articles at all.
 */
export function readSubmission(body: unknown): Result<{ articles: SubmittedArticle[]; errors: FieldError[] }, FieldError[]> {
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
  const articles: SubmittedArticle[] = [];
  items.forEach((item, i) => {
    const parsed = ArticleInputSchema.safeParse(item, PARSE_REPORTING);
    if (parsed.success) articles.push({ input: parsed.data, path: pathOf(i) });
    else errors.push(...parsed.error.issues.map((issue) => toFieldError(pathOf(i), issue)));
  });
  return ok({ articles, errors });
}

/** The whole body, all or nothing: its articles, or every field error including repeated ids. */
export function parseSubmission(body: unknown): Result<ParsedSubmission, FieldError[]> {
  const read = readSubmission(body);
  if (!read.ok) return read;
  const { articles, errors } = read.value;
  errors.push(
    ...repeatedIdErrors(
      articles.flatMap(({ input, path }) => {
        const id = input.id ?? input.url;
        return id === undefined ? [] : [{ id, path, field: input.id !== undefined ? "id" : "url" }];
      }),
    ),
  );
  return errors.length > 0 ? err(errors) : ok({ articles: articles.map((a) => a.input), paths: articles.map((a) => a.path) });
}

/** One error for each article whose id an earlier article of the same request already has. */
export function repeatedIdErrors(articles: readonly { id: string; path: string; field: string }[]): FieldError[] {
  const firstPathOf = new Map<string, string>();
  const errors: FieldError[] = [];
  for (const { id, path, field } of articles) {
    const first = firstPathOf.get(id);
    if (first === undefined) firstPathOf.set(id, path);
    else errors.push({ path: joinPath(path, [field]), reason: `repeats the article at ${first || "[0]"}` });
  }
  return errors;
}


const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
