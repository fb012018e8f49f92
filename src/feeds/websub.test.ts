import { describe, expect, it } from "vitest";
import { siteUrls } from "./urls";
import { TOPICS_PER_PING, changedTopics, changedTopicsOfFeeds, hubList, publishRequests } from "./websub";

describe("WebSub publish pings", () => {
  const urls = siteUrls("https://feeds.example.kz", ["https://hub.example/"]);

  it("names every format of the all feed and of each changed tag once", () => {
    const topics = changedTopics(urls, [
      { type: "city", slug: "almaty" },
      { type: "party", slug: "amanat" },
      { type: "city", slug: "almaty" },
    ]);
    expect(topics).toEqual([
      "https://feeds.example.kz/feeds/all.rss",
      "https://feeds.example.kz/feeds/all.atom",
      "https://feeds.example.kz/feeds/all.json",
      "https://feeds.example.kz/feeds/city/almaty.rss",
      "https://feeds.example.kz/feeds/city/almaty.atom",
      "https://feeds.example.kz/feeds/city/almaty.json",
      "https://feeds.example.kz/feeds/party/amanat.rss",
      "https://feeds.example.kz/feeds/party/amanat.atom",
      "https://feeds.example.kz/feeds/party/amanat.json",
    ]);
  });

  it("sends one form-encoded hub.mode=publish per hub and batch of topics", () => {
    const topics = Array.from({ length: TOPICS_PER_PING + 1 }, (_, i) => `https://feeds.example.kz/feeds/topic/t${i}.rss`);
    const requests = publishRequests(["https://a.example/", "https://b.example/"], topics);
    expect(requests.map((r) => r.hub)).toEqual(["https://a.example/", "https://b.example/", "https://a.example/", "https://b.example/"]);
    const first = new URLSearchParams(requests[0]!.body);
    expect(first.get("hub.mode")).toBe("publish");
    expect(first.getAll("hub.url")).toEqual(topics.slice(0, TOPICS_PER_PING));
    expect(new URLSearchParams(requests[2]!.body).getAll("hub.url")).toEqual(topics.slice(TOPICS_PER_PING));
    expect(publishRequests([], topics)).toEqual([]);
  });

  it("names the topics of bumped feed keys: all only when it changed", () => {
    expect(changedTopicsOfFeeds(urls, ["t/city/almaty"])).toEqual([
      "https://feeds.example.kz/feeds/city/almaty.rss",
      "https://feeds.example.kz/feeds/city/almaty.atom",
      "https://feeds.example.kz/feeds/city/almaty.json",
    ]);
    expect(changedTopicsOfFeeds(urls, ["all", "t/party/amanat"])).toHaveLength(6);
  });

  it("reads WEBSUB_HUBS as absolute http(s) URLs and ignores the rest", () => {
    expect(hubList(" https://a.example/hub  javascript:alert(1) http://b.example/\nftp://c/ ")).toEqual(["https://a.example/hub", "http://b.example/"]);
  });
});
