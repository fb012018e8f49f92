/** The service's JSON API, read over HTTP: the stored (normalized) articles and the tag list. */

export interface StoredTag {
  type: string;
  name: string;
  slug: string;
}

export interface StoredArticle {
  id: string;
  url?: string;
  title: string;
  summary?: string;
  content_html?: string;
  content_text?: string;
  published: string;
  updated?: string;
  authors?: { name: string; url?: string }[];
  language?: string;
  image?: string;
  source?: { name: string; url?: string };
  enclosures?: { url: string; type: string; length?: number }[];
  tags: StoredTag[];
}

export interface ListedTag extends StoredTag {
  page: string;
  feeds: { rss: string; atom: string; json: string };
}

export async function getArticle(baseUrl: string, id: string): Promise<StoredArticle> {
  const response = await fetch(`${baseUrl}/api/articles/${encodeURIComponent(id)}`);
  if (response.status !== 200) throw new Error(`GET /api/articles/${id}: ${response.status}`);
  return (await response.json()) as StoredArticle;
}

export async function listTags(baseUrl: string): Promise<ListedTag[]> {
  const response = await fetch(`${baseUrl}/api/tags`);
  if (response.status !== 200) throw new Error(`GET /api/tags: ${response.status}`);
  return ((await response.json()) as { tags: ListedTag[] }).tags;
}

export async function tagNamed(baseUrl: string, type: string, name: string): Promise<ListedTag> {
  const tag = (await listTags(baseUrl)).find((t) => t.type === type && t.name === name);
  if (!tag) throw new Error(`no ${type} tag named ${name} in /api/tags`);
  return tag;
}

/** An article's link in feeds: its own URL, or its page here when it has none (docs/API.md). */
export const articleLink = (baseUrl: string, a: StoredArticle): string => a.url ?? `${baseUrl}/articles/${encodeURIComponent(a.id)}`;
