/** The HTML answer for a page that does not exist (or a request a page cannot serve). */
import type { SiteUrls } from "../feeds/urls";
import { Layout } from "./layout";

export function ErrorPage(props: { urls: SiteUrls; title: string; message: string }) {
  return (
    <Layout title={`${props.title} — tagfeed`} urls={props.urls}>
      <h1>{props.title}</h1>
      <p>{props.message}</p>
      <p>
        <a href={props.urls.home}>See every tag</a> or <a href={props.urls.opml}>subscribe to all of them</a>.
      </p>
    </Layout>
  );
}
