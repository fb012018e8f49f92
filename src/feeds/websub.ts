/**
 * WebSub publishing (W3C WebSub §5 leaves the publisher-to-hub ping to the hub; every public hub
 * takes the PubSubHubbub form `hub.mode=publish&hub.url={topic}`, `hub.url` repeated for several
 * topics). Pure: which topics a change touches, and the requests that tell the hubs.
 */
import type { Tag } from "../domain/tag";
import { ALL_FEED, type FeedKey, tagOfFeedKey } from "../store/keys";
import { FEED_FORMATS, type SiteUrls } from "./urls";

/** WEBSUB_HUBS: space-separated absolute http(s) URLs; anything else in it is ignored. */
export const hubList = (raw: string): string[] => raw.split(/\s+/).filter((url) => /^https?:\/\/[^\s"<>]+$/.test(url));

/** Topics per ping request: hubs cap the form size, and one change rarely touches more feeds. */
export const TOPICS_PER_PING = 60;

/** Every feed URL (each format's default page, the topic readers subscribed to) a change of these tags touches, `all` included. */
export function changedTopics(urls: SiteUrls, tags: readonly Pick<Tag, "type" | "slug">[]): string[] {
  const subjects = [undefined, ...new Map(tags.map((t) => [`${t.type}/${t.slug}`, t])).values()];
  return subjects.flatMap((subject) => FEED_FORMATS.map((format) => urls.feed(subject, format)));
}

/** `changedTopics` for feeds named by their keys (what the writers bump): `all` and tag feeds. */
export function changedTopicsOfFeeds(urls: SiteUrls, feeds: readonly FeedKey[]): string[] {
  const tags = feeds.map(tagOfFeedKey).filter((tag) => tag !== undefined);
  return changedTopics(urls, tags).filter((topic, i) => i >= FEED_FORMATS.length || feeds.includes(ALL_FEED));
}

export interface PingRequest {
  hub: string;
  body: string;
}

/** One form-encoded publish request per hub and TOPICS_PER_PING topics. */
export function publishRequests(hubs: readonly string[], topics: readonly string[]): PingRequest[] {
  const requests: PingRequest[] = [];
  for (let i = 0; i < topics.length; i += TOPICS_PER_PING) {
    const form = new URLSearchParams({ "hub.mode": "publish" });
    for (const topic of topics.slice(i, i + TOPICS_PER_PING)) form.append("hub.url", topic);
    for (const hub of hubs) requests.push({ hub, body: form.toString() });
  }
  return requests;
}
