/**
 * The console's pages (English), server-rendered with Hono JSX. Pure views: the routes
 * (admin/routes.tsx) load the data and pass it in, with the session's CSRF token for every form.
 */
import type { Child } from "hono/jsx";
import type { Article } from "../domain/article";
import { type Source, dailySeries } from "../domain/source";
import type { Tag } from "../domain/tag";
import { type DateDisplay, formatDisplayDate } from "../pages/format";
import { STYLE } from "../pages/layout";
import { HEALTH_WORDS, healthOf, statusWords } from "./health";
import { Sparkline } from "./sparkline";

const ADMIN_STYLE = `${STYLE}
body{max-width:78rem}
table{border-collapse:collapse;width:100%;font-size:.92rem}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}
th{font-weight:600}.scroll{overflow-x:auto}caption{text-align:left}.signout{margin-left:auto}
.dot{display:inline-block;width:.75rem;height:.75rem;border-radius:50%;margin-right:.35rem;vertical-align:-.05rem;border:1px solid #0003}
.h-ok{background:#1a7f37}.h-failing{background:#cf222e}.h-backing_off{background:#bf8700}.h-never{background:#8c959f}
.spark rect{fill:#0b57d0}.spark .base{stroke:#999;stroke-width:1}
form.inline{display:inline}label{display:block;font-weight:600;margin:.5rem 0 .15rem}
input[type=text],input[type=url],input[type=number],input[type=password],input[type=search],textarea,select{font:inherit;padding:.35rem .5rem;border:1px solid #767676;border-radius:4px;width:100%;max-width:32rem;box-sizing:border-box}
input[type=checkbox]{width:1.1rem;height:1.1rem;vertical-align:-.15rem}label.check{font-weight:400}
button{font:inherit;padding:.35rem .8rem;border:1px solid #0b57d0;border-radius:4px;background:#0b57d0;color:#fff;cursor:pointer;margin:.25rem 0}
button.quiet{background:transparent;color:#0b57d0}button.danger{background:#cf222e;border-color:#cf222e}
.notice{border-left:4px solid #1a7f37;background:#eef8f0;padding:.5rem 1rem;margin:1rem 0}.notice.bad{border-color:#cf222e;background:#fdf0f0}
progress{width:100%;max-width:32rem;height:1.2rem}
.grid{display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr))}
@media (prefers-color-scheme:dark){th,td{border-color:#333}.notice{background:#16261b}.notice.bad{background:#2a1618}.spark rect{fill:#8ab4f8}button.quiet{color:#8ab4f8}}
`;

export interface ConsoleFrame {
  csrf: string;
  dates: DateDisplay;
}

export function AdminLayout(props: { title: string; frame?: ConsoleFrame; children?: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <meta name="robots" content="noindex" />
        <title>{`${props.title} — tagfeed console`}</title>
        <style>{ADMIN_STYLE}</style>
        <script src="/admin/app.js" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="site">
          <a class="brand" href="/admin">tagfeed console</a>
          {props.frame && (
            <nav aria-label="Console">
              <ul>
                <li><a href="/admin/sources">Sources</a></li>
                <li><a href="/admin/tags">Tags</a></li>
                <li><a href="/admin/articles">Articles</a></li>
                <li><a href="/">Reader pages</a></li>
              </ul>
            </nav>
          )}
          {props.frame && (
            <form class="inline signout" method="post" action="/admin/sign-out">
              <Csrf token={props.frame.csrf} />
              <button class="quiet" type="submit">Sign out</button>
            </form>
          )}
        </header>
        <main id="main" tabindex={-1}>{props.children}</main>
        {props.frame && <footer class="site small muted">Dates in {props.frame.dates.timeZone}, with their offset.</footer>}
      </body>
    </html>
  );
}

const Csrf = (props: { token: string }) => <input type="hidden" name="csrf" value={props.token} />;

export function Notice(props: { lines?: readonly string[] | undefined; bad?: boolean }) {
  if (!props.lines || props.lines.length === 0) return null;
  const [first, ...rest] = props.lines;
  return (
    <div class={props.bad ? "notice bad" : "notice"} role={props.bad ? "alert" : "status"}>
      <p>{first}</p>
      {rest.length > 0 && (
        <ul>
          {rest.map((line) => (
            <li>{line}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function SignInPage(props: { error?: string | undefined; next: string }) {
  return (
    <AdminLayout title="Sign in">
      <h1>Sign in</h1>
      <Notice lines={props.error ? [props.error] : undefined} bad />
      <form method="post" action="/admin/sign-in">
        <input type="hidden" name="next" value={props.next} />
        <label for="token">Admin token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required />
        <p>
          <button type="submit">Sign in</button>
        </p>
      </form>
      <p class="small muted">The token is the server's ADMIN_TOKEN. The session lasts 8 hours, or until the token changes.</p>
    </AdminLayout>
  );
}

export function RefusedPage(props: { message: string }) {
  return (
    <AdminLayout title="Refused">
      <h1>Refused</h1>
      <p>{props.message}</p>
      <p>
        <a href="/admin">Sign in again</a>
      </p>
    </AdminLayout>
  );
}

const when = (iso: string | undefined, dates: DateDisplay): string => (iso === undefined ? "—" : formatDisplayDate(iso, dates));

const tagText = (tags: Source["tags"]): string => tags.map((t) => (typeof t === "string" ? t : `${t.type}: ${t.name}`)).join(", ");

export function SourcesPage(props: { frame: ConsoleFrame; sources: readonly Source[]; nowMs: number; notice?: readonly string[]; bad?: boolean; report?: Child }) {
  const { frame } = props;
  return (
    <AdminLayout title="Sources" frame={frame}>
      <h1>Sources</h1>
      <Notice lines={props.notice} bad={props.bad ?? false} />
      {props.report}
      <div class="scroll">
        <table>
          <caption class="small muted">
            {props.sources.length} upstream feeds. Health: ok, failing (the last refreshes failed), backing off (three or more failures in a row), never fetched.
          </caption>
          <thead>
            <tr>
              <th scope="col">Health</th>
              <th scope="col">Source</th>
              <th scope="col">Last fetch</th>
              <th scope="col">Last status</th>
              <th scope="col">Next due</th>
              <th scope="col">Failures</th>
              <th scope="col">Items in last document</th>
              <th scope="col">Last refresh</th>
              <th scope="col">New articles, 7 days</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {props.sources.map((s) => {
              const health = healthOf(s);
              return (
                <tr id={`source-${s.id}`} data-health={health}>
                  <td>
                    <span class={`dot h-${health}`} aria-hidden="true"></span>
                    {HEALTH_WORDS[health]}
                  </td>
                  <td>
                    <strong>{s.name}</strong>
                    <div class="small muted">{s.url}</div>
                  </td>
                  <td>{when(s.last_fetch, frame.dates)}</td>
                  <td>
                    {statusWords(s.last_status)}
                    {s.last_error !== undefined && <div class="small">{s.last_error}</div>}
                  </td>
                  <td>{when(s.next_due, frame.dates)}</td>
                  <td>{s.consecutive_failures}</td>
                  <td>{s.items_seen}</td>
                  <td>{s.last_counts ? `${s.last_counts.created} created, ${s.last_counts.updated} updated` : "—"}</td>
                  <td>
                    <Sparkline values={dailySeries(s.daily_created, props.nowMs, 7)} label={`New articles per day from ${s.name}, last 7 days`} />
                  </td>
                  <td>
                    <a href={`/admin/sources/${s.id}`} aria-label={`Edit ${s.name}`}>Edit</a>
                    <form class="inline" method="post" action={`/admin/sources/${s.id}/refresh`}>
                      <Csrf token={frame.csrf} />{" "}
                      <button type="submit" class="quiet" aria-label={`Refresh ${s.name} now`}>Refresh now</button>
                    </form>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div class="grid">
        <section aria-labelledby="add-heading">
          <h2 id="add-heading">Add a source</h2>
          <form method="post" action="/admin/sources">
            <Csrf token={frame.csrf} />
            <SourceFields />
            <button type="submit">Add source</button>
          </form>
        </section>
        <section aria-labelledby="opml-heading">
          <h2 id="opml-heading">OPML</h2>
          <p>
            <a href="/admin/sources.opml">Export every source as OPML</a>
          </p>
          <form method="post" action="/admin/sources/import" enctype="multipart/form-data">
            <Csrf token={frame.csrf} />
            <label for="opml-file">Import an OPML file</label>
            <input id="opml-file" name="file" type="file" accept=".opml,.xml,text/x-opml,application/xml,text/xml" />
            <label for="opml-text">or paste it</label>
            <textarea id="opml-text" name="opml" rows={4}></textarea>
            <button type="submit">Import</button>
          </form>
        </section>
      </div>
    </AdminLayout>
  );
}

function SourceFields(props: { source?: Source }) {
  const s = props.source;
  return (
    <>
      {!s && (
        <>
          <label for="url">Feed URL</label>
          <input id="url" name="url" type="url" required placeholder="https://example.kz/rss" />
        </>
      )}
      <label for="name">Name{s ? "" : " (optional)"}</label>
      <input id="name" name="name" type="text" value={s?.name ?? ""} required={s !== undefined} />
      <label for="tags">Default tags (comma separated; "type: name" for a typed one)</label>
      <input id="tags" name="tags" type="text" value={s ? tagText(s.tags) : ""} />
      <label for="interval">Refresh interval, minutes (5–1440)</label>
      <input id="interval" name="interval_minutes" type="number" min={5} max={1440} value={String(s?.interval_minutes ?? 30)} />
      <label class="check">
        <input type="checkbox" name="autotag" value="on" checked={s ? s.autotag : true} /> Auto-tag items from their text
      </label>
      {s && (
        <>
          <label for="autotag-types">Auto-tag only these types (comma separated; empty: the taxonomy's default)</label>
          <input id="autotag-types" name="autotag_types" type="text" value={(s.autotag_types ?? []).join(", ")} />
        </>
      )}
    </>
  );
}

export function SourceEditPage(props: { frame: ConsoleFrame; source: Source; notice?: readonly string[]; bad?: boolean }) {
  const { source: s, frame } = props;
  return (
    <AdminLayout title={`Edit ${s.name}`} frame={frame}>
      <p class="small"><a href="/admin/sources">← Sources</a></p>
      <h1>{s.name}</h1>
      <Notice lines={props.notice} bad={props.bad ?? false} />
      <p class="small muted">{s.url}</p>
      <form method="post" action={`/admin/sources/${s.id}`}>
        <Csrf token={frame.csrf} />
        <SourceFields source={s} />
        <button type="submit">Save</button>
      </form>
      <h2>Refresh state (kept by edits)</h2>
      <dl id="refresh-state">
        <dt>ETag</dt>
        <dd><code>{s.etag ?? "—"}</code></dd>
        <dt>Last-Modified</dt>
        <dd><code>{s.last_modified ?? "—"}</code></dd>
        <dt>Last success</dt>
        <dd>{when(s.last_success, frame.dates)}</dd>
        <dt>Next due</dt>
        <dd>{when(s.next_due, frame.dates)}</dd>
      </dl>
      <h2>Delete</h2>
      <form method="post" action={`/admin/sources/${s.id}/delete`}>
        <Csrf token={frame.csrf} />
        <p class="small">Its articles stay.</p>
        <button type="submit" class="danger">Delete {s.name}</button>
      </form>
    </AdminLayout>
  );
}

export interface OpmlReportLine {
  path: string;
  url: string;
  title?: string;
  status: string;
  reason?: string;
}

export function OpmlReport(props: { lines: readonly OpmlReportLine[] }) {
  return (
    <section aria-labelledby="report-heading">
      <h2 id="report-heading">Import report</h2>
      <div class="scroll">
        <table>
          <thead>
            <tr><th scope="col">Outline</th><th scope="col">Title</th><th scope="col">URL</th><th scope="col">Outcome</th></tr>
          </thead>
          <tbody>
            {props.lines.map((l) => (
              <tr>
                <td><code>{l.path}</code></td>
                <td>{l.title ?? ""}</td>
                <td class="small">{l.url}</td>
                <td>{l.status}{l.reason !== undefined && `: ${l.reason}`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export interface TagRow {
  tag: Tag;
  count: number;
  capped: boolean;
  newest: string | null;
  daily: number[];
}

export function TagsPage(props: { frame: ConsoleFrame; rows: readonly TagRow[]; page: number; pages: number; total: number }) {
  const { frame } = props;
  return (
    <AdminLayout title="Tags" frame={frame}>
      <h1>Tags</h1>
      <p class="muted small">{props.total} tags; page {props.page} of {props.pages}. Counts come from each tag's newest 1000 index entries.</p>
      <div class="scroll">
        <table>
          <thead>
            <tr><th scope="col">Tag</th><th scope="col">Type</th><th scope="col">Articles</th><th scope="col">Newest article</th><th scope="col">Last 30 days</th><th scope="col">Manage</th></tr>
          </thead>
          <tbody>
            {props.rows.map((r) => (
              <tr>
                <td><a href={`/tags/${r.tag.type}/${r.tag.slug}`}>{r.tag.name}</a></td>
                <td>{r.tag.type}</td>
                <td>{r.capped ? `${r.count}+` : r.count}</td>
                <td>{r.newest === null ? "—" : formatDisplayDate(r.newest, frame.dates)}</td>
                <td><Sparkline values={r.daily} width={120} label={`Articles of ${r.tag.name} per day, last 30 days`} /></td>
                <td><a href={`/admin/tags/${r.tag.type}/${r.tag.slug}`} aria-label={`Manage ${r.tag.name}`}>Rename, aliases, merge</a></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav aria-label="Pages">
        <p>
          {props.page > 1 && <a href={`/admin/tags?page=${props.page - 1}`}>Previous</a>}
          {props.page > 1 && props.page < props.pages && " · "}
          {props.page < props.pages && <a href={`/admin/tags?page=${props.page + 1}`}>Next</a>}
        </p>
      </nav>
    </AdminLayout>
  );
}

export function TagManagePage(props: {
  frame: ConsoleFrame;
  tag: Tag;
  aliases: readonly string[] | undefined;
  count: number;
  notice?: readonly string[];
  bad?: boolean;
  merge?: { moved: number; remaining: number; done: boolean; into: string };
}) {
  const { frame, tag } = props;
  const action = `/admin/tags/${tag.type}/${tag.slug}`;
  const merge = props.merge;
  return (
    <AdminLayout title={tag.name} frame={frame}>
      <p class="small"><a href="/admin/tags">← Tags</a></p>
      <h1>{tag.name} <span class="muted small">{tag.type}/{tag.slug}</span></h1>
      <Notice lines={props.notice} bad={props.bad ?? false} />
      <p>{props.count} articles. Aliases: {props.aliases === undefined ? "not in the taxonomy yet" : props.aliases.length === 0 ? "none" : props.aliases.join(", ")}</p>
      <div class="grid">
        <form method="post" action={`${action}/rename`}>
          <Csrf token={frame.csrf} />
          <h2>Rename</h2>
          <label for="new-name">New display name (the slug stays)</label>
          <input id="new-name" name="name" type="text" required value={tag.name} />
          <button type="submit">Rename</button>
        </form>
        <form method="post" action={`${action}/alias`}>
          <Csrf token={frame.csrf} />
          <h2>Add an alias</h2>
          <label for="alias">Another spelling that means this tag</label>
          <input id="alias" name="alias" type="text" required />
          <button type="submit">Add alias</button>
        </form>
        <form method="post" action={`${action}/merge`} data-merge="">
          <Csrf token={frame.csrf} />
          <h2>Merge into another tag</h2>
          <label for="into">Target tag, as type/slug</label>
          <input id="into" name="into" type="text" required placeholder={`${tag.type}/other-slug`} value={merge?.into ?? ""} />
          <button type="submit">{merge && !merge.done ? "Continue merge" : "Merge"}</button>
          <progress id="merge-progress" max={100} value={merge ? (merge.done ? 100 : Math.floor((merge.moved / Math.max(1, merge.moved + merge.remaining)) * 100)) : 0} hidden={merge === undefined}>
            {merge ? `${merge.moved} moved` : "0%"}
          </progress>
          <p id="merge-status" role="status" aria-live="polite">
            {merge && (merge.done ? `Done: ${merge.moved} moved, 0 remaining (100%)` : `${merge.moved} moved, ${merge.remaining} remaining: continue to move the rest`)}
          </p>
        </form>
      </div>
    </AdminLayout>
  );
}

export function ArticlesPage(props: { frame: ConsoleFrame; query: string; results: readonly Article[] | undefined; searched: number; notice?: readonly string[]; bad?: boolean }) {
  const { frame } = props;
  return (
    <AdminLayout title="Articles" frame={frame}>
      <h1>Articles</h1>
      <Notice lines={props.notice} bad={props.bad ?? false} />
      <form method="get" action="/admin/articles" role="search">
        <label for="q">Find by id, URL, or words of the title (among the newest {props.searched})</label>
        <input id="q" name="q" type="search" value={props.query} />
        <button type="submit">Find</button>
      </form>
      {props.results !== undefined &&
        (props.results.length === 0 ? (
          <p>No article matches.</p>
        ) : (
          <ul class="plain">
            {props.results.map((a) => (
              <li class="item">
                <a href={`/admin/articles/${encodeURIComponent(a.id)}`}>{a.title || "(untitled)"}</a>
                <div class="small muted">
                  {a.id} · {formatDisplayDate(a.published, frame.dates)} · {a.sources.map((s) => s.name).join(", ") || "no source"}
                </div>
              </li>
            ))}
          </ul>
        ))}
    </AdminLayout>
  );
}

export function ArticleAdminPage(props: { frame: ConsoleFrame; id: string; article: Article | null; origins: readonly string[]; deleted?: boolean }) {
  const { frame, article } = props;
  return (
    <AdminLayout title={article?.title ?? props.id} frame={frame}>
      <p class="small"><a href="/admin/articles">← Articles</a></p>
      {article === null ? (
        <>
          <h1>{props.deleted ? "Article deleted" : "No such article"}</h1>
          <Notice lines={[props.deleted ? `Article ${props.id} was deleted: it is gone from every feed.` : `No article ${props.id} is stored (deleted, or never submitted).`]} bad={!props.deleted} />
        </>
      ) : (
        <>
          <h1 lang={article.language}>{article.title}</h1>
          <dl>
            <dt>Id</dt><dd><code>{article.id}</code></dd>
            <dt>URL</dt><dd>{article.url ?? "—"}</dd>
            <dt>Published</dt><dd>{formatDisplayDate(article.published, frame.dates, article.published_offset)}</dd>
            <dt>Received, last changed</dt><dd>{formatDisplayDate(article.received, frame.dates)}, {formatDisplayDate(article.modified, frame.dates)}</dd>
            <dt>Came from</dt><dd><ul>{props.origins.map((o) => <li>{o}</li>)}</ul></dd>
            <dt>Tags</dt><dd>{article.tags.map((t) => `${t.type}/${t.slug}`).join(", ") || "—"}</dd>
          </dl>
          <p><a href={`/articles/${encodeURIComponent(article.id)}`}>Reader page</a></p>
          <form method="post" action={`/admin/articles/${encodeURIComponent(article.id)}/delete`}>
            <Csrf token={frame.csrf} />
            <button type="submit" class="danger">Delete this article</button>
          </form>
        </>
      )}
    </AdminLayout>
  );
}
