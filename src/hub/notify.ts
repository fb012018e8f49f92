/**
 * Where every change of a feed reaches the WebSub hub: the article writers call this once the
 * feeds' versions are bumped (store/article-writer.ts). One call to the hub object; a hub that
 * fails never fails a write (its subscribers miss that change, readers do not).
 */
import type { FeedKey } from "../store/keys";
import type { ChangeSite } from "./hub-object";

export async function notifyFeedsChanged(env: Pick<Env, "WEBSUB_HUB">, feeds: readonly FeedKey[], site?: ChangeSite): Promise<void> {
  if (feeds.length === 0) return;
  try {
    await env.WEBSUB_HUB.getByName("hub").changed([...feeds], site);
  } catch (error) {
    console.error(JSON.stringify({ event: "websub_notify_failed", feeds: feeds.length, error: String(error) }));
  }
}
