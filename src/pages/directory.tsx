/**
 * `GET /` — the tag directory — and `GET /tags/{type}` — the tags of one type. Pure views over
 * `loadDirectory` (feeds/directory.ts).
 */
import type { DirectoryGroup } from "../feeds/directory";
import type { SiteUrls } from "../feeds/urls";
import { TagList } from "./components";
import { FeedAlternates, FeedLinks, Layout } from "./layout";

export const ALL_FEEDS_TITLE = "tagfeed: all articles";

export function DirectoryPage(props: { groups: readonly DirectoryGroup[]; urls: SiteUrls }) {
  const { groups, urls } = props;
  const all = urls.feeds(undefined);
  return (
    <Layout
      title="tagfeed — news feeds by tag"
      urls={urls}
      canonical={urls.home}
      description="News articles grouped by typed tags; every tag is a feed in RSS, Atom and JSON Feed."
      head={<FeedAlternates title={ALL_FEEDS_TITLE} feeds={all} />}
    >
      <h1>tagfeed</h1>
      <p>
        News articles grouped by typed tags — parties, cities, people, topics — each served as a feed any reader can
        subscribe to. Publishers push articles by signed webhook; upstream feeds are pulled on a schedule.
      </p>

      <section id="feeds" aria-labelledby="feeds-heading">
        <h2 id="feeds-heading">Feeds</h2>
        <p>
          <strong>All articles</strong>, newest first: <FeedLinks name="all articles" feeds={all} />
        </p>
        <p>
          <a href={urls.opml} type="text/x-opml">Subscribe to all tags in your reader</a> (OPML list of every tag feed)
        </p>
      </section>

      <section id="subscribe" aria-labelledby="subscribe-heading">
        <h2 id="subscribe-heading">How to subscribe</h2>
        <ol>
          <li>Pick a tag below and copy the address of one of its feeds. RSS suits almost every reader; Atom and JSON Feed carry the same articles.</li>
          <li>Paste it into your feed reader's “add feed” or “subscribe” box. Many readers also accept a tag's page address and find its feeds themselves.</li>
          <li>
            To follow every tag at once, download the <a href={urls.opml} type="text/x-opml">OPML list</a> and import it
            into your reader.
          </li>
        </ol>
      </section>

      <section id="tags" aria-labelledby="tags-heading">
        <h2 id="tags-heading">Tags by type</h2>
        {groups.length === 0 ? (
          <p class="muted">
            No articles yet. Submit one with <code>npm run submit -- test/fixtures/seed-article.json</code>.
          </p>
        ) : (
          groups.map((group) => (
            <section aria-labelledby={`type-${group.type}`}>
              <h3 id={`type-${group.type}`}>
                <a href={urls.tagType(group.type)}>{group.label}</a>
              </h3>
              <TagList tags={group.tags} />
            </section>
          ))
        )}
      </section>

      <section id="api" aria-labelledby="api-heading">
        <h2 id="api-heading">API</h2>
        <ul>
          <li><code>POST /api/articles</code> — submit articles (Standard Webhooks signature)</li>
          <li><code>GET /api/articles/{"{id}"}</code> — one article as JSON</li>
          <li><code>GET /api/tags</code> — every tag with its feed URLs, as JSON (<code>?type=</code> filters)</li>
          <li><code>GET /opml</code> — every tag feed as OPML 2.0</li>
          <li><code>GET /healthz</code> — health check</li>
        </ul>
      </section>
    </Layout>
  );
}

export function TagTypePage(props: { type: string; label: string; group: DirectoryGroup | undefined; urls: SiteUrls }) {
  const { urls, label } = props;
  return (
    <Layout title={`${label} — tagfeed`} urls={urls} canonical={urls.tagType(props.type)} description={`Every ${label} tag on tagfeed, each a feed.`}>
      <h1>{label}</h1>
      <p class="muted">
        Tags of type <code>{props.type}</code>. Each is a feed: copy one of its links into your reader.
      </p>
      {props.group && props.group.tags.length > 0 ? (
        <TagList tags={props.group.tags} />
      ) : (
        <p class="muted">No tag of this type holds articles yet.</p>
      )}
    </Layout>
  );
}
