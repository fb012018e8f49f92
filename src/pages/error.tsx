/** The HTML answer for a page that does not exist (or a request a page cannot serve). */
import type { SiteUrls } from "../feeds/urls";
import { Layout } from "./layout";
import { useView } from "./view";

export function ErrorPage(props: { urls: SiteUrls; title: string; message: string }) {
  const { t } = useView();
  return (
    <Layout title={`${props.title} — tagfeed`} urls={props.urls}>
      <h1>{props.title}</h1>
      <p>{props.message}</p>
      <p>
        <a href={props.urls.home}>{t.seeEveryTag}</a> · <a href={props.urls.opml}>{t.subscribeEvery}</a>
      </p>
    </Layout>
  );
}
