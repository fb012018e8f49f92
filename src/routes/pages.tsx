/**
 * HTML pages, server-rendered with Hono's JSX: small, readable, no client framework.
 */
import { Hono } from "hono";
import type { Child } from "hono/jsx";
import type { AppEnv } from "../env";
import { listTagRecords, type TagRecord } from "../store/tags";
import { loadTaxonomy } from "../store/taxonomy";
import { tagTypeLabel } from "../tags/resolve";

export const pageRoutes = new Hono<AppEnv>();

const STYLE = `
body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:0 auto;padding:1rem;color:#1d1d1f;background:#fff}
h1{font-size:1.6rem;margin:.5rem 0}h2{font-size:1.2rem;margin-top:1.5rem;border-bottom:1px solid #ddd}
ul{padding-left:1.2rem}code,pre{background:#f4f4f5;border-radius:4px;padding:0 .25rem}
pre{padding:.5rem;overflow-x:auto}a{color:#0b57d0}.muted{color:#666}
@media (prefers-color-scheme:dark){body{background:#121212;color:#e8e8e8}code,pre{background:#222}a{color:#8ab4f8}.muted{color:#aaa}}
`;

export function Layout(props: { title: string; head?: Child; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title}</title>
        <style>{STYLE}</style>
        {props.head}
      </head>
      <body>{props.children}</body>
    </html>
  );
}

pageRoutes.get("/", async (c) => {
  const [records, { index }] = await Promise.all([listTagRecords(c.env.KV), loadTaxonomy(c.env.KV)]);
  const byType = new Map<string, TagRecord[]>();
  for (const record of records) byType.set(record.type, [...(byType.get(record.type) ?? []), record]);
  return c.html(
    <Layout title="tagfeed">
      <h1>tagfeed</h1>
      <p>
        News articles grouped by typed tags — parties, cities, people, topics — each served as a feed any reader can
        subscribe to. Publishers push articles by signed webhook; upstream feeds are pulled on a schedule.
      </p>
      {records.length === 0 ? (
        <p class="muted">No articles yet. Submit one with <code>npm run submit -- test/fixtures/seed-article.json</code>.</p>
      ) : (
        [...byType].map(([type, tags]) => (
          <section>
            <h2>{tagTypeLabel(index, type)}</h2>
            <ul>
              {tags.map((tag) => (
                <li>
                  {tag.name} <span class="muted">({tag.type}/{tag.slug})</span>
                </li>
              ))}
            </ul>
          </section>
        ))
      )}
      <h2>API</h2>
      <ul>
        <li><code>POST /api/articles</code> — submit articles (Standard Webhooks signature)</li>
        <li><code>GET /api/articles/{"{id}"}</code> — one article as JSON</li>
        <li><code>GET /healthz</code> — health check</li>
      </ul>
    </Layout>,
  );
});
