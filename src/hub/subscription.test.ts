import { describe, expect, it } from "vitest";
import { LEASE_DEFAULT_SECONDS, LEASE_MAX_SECONDS, LEASE_MIN_SECONDS, hubSignature, nextAttemptAt, parseSubscriberRequest, topicFeeds, touchedBy } from "./subscription";

const ORIGIN = "https://news.example";
const form = (fields: Record<string, string>) => new URLSearchParams(fields);
const base = { "hub.mode": "subscribe", "hub.topic": `${ORIGIN}/feeds/city/almaty.atom`, "hub.callback": "https://reader.example/cb" };

describe("topicFeeds", () => {
  it("maps tag, combination and all feeds of this origin to their feed keys", () => {
    expect(topicFeeds(`${ORIGIN}/feeds/all.rss`, ORIGIN)).toEqual({ ok: true, value: ["all"] });
    expect(topicFeeds(`${ORIGIN}/feeds/city/almaty.json`, ORIGIN)).toEqual({ ok: true, value: ["t/city/almaty"] });
    expect(topicFeeds(`${ORIGIN}/feeds/city/almaty+party/amanat.atom`, ORIGIN)).toEqual({ ok: true, value: ["t/city/almaty", "t/party/amanat"] });
  });
  it("refuses other sites, queries and non-feed paths", () => {
    expect(topicFeeds("https://other.example/feeds/all.rss", ORIGIN).ok).toBe(false);
    expect(topicFeeds(`${ORIGIN}/feeds/all.rss?limit=5`, ORIGIN).ok).toBe(false);
    expect(topicFeeds(`${ORIGIN}/feeds/city/almaty.html`, ORIGIN).ok).toBe(false);
    expect(topicFeeds(`${ORIGIN}/feeds/a/b+c/d+e/f+g/h.rss`, ORIGIN).ok).toBe(false);
    expect(topicFeeds("not a url", ORIGIN).ok).toBe(false);
  });
});

describe("parseSubscriberRequest", () => {
  it("takes a valid request with the default lease and clamps a given one", () => {
    const parsed = parseSubscriberRequest(form(base), { origin: ORIGIN, allowPrivate: false });
    expect(parsed).toEqual({ ok: true, value: { mode: "subscribe", topic: base["hub.topic"], callback: base["hub.callback"], feeds: ["t/city/almaty"], leaseSeconds: LEASE_DEFAULT_SECONDS, secret: undefined } });
    const short = parseSubscriberRequest(form({ ...base, "hub.lease_seconds": "1" }), { origin: ORIGIN, allowPrivate: false });
    expect(short.ok && short.value.leaseSeconds).toBe(LEASE_MIN_SECONDS);
    const long = parseSubscriberRequest(form({ ...base, "hub.lease_seconds": "9999999999" }), { origin: ORIGIN, allowPrivate: false });
    expect(long.ok && long.value.leaseSeconds).toBe(LEASE_MAX_SECONDS);
  });
  it("names every bad field", () => {
    const parsed = parseSubscriberRequest(
      form({ "hub.mode": "publish", "hub.topic": "https://other.example/feeds/all.rss", "hub.callback": "http://169.254.169.254/", "hub.secret": "é".repeat(100), "hub.lease_seconds": "-1" }),
      { origin: ORIGIN, allowPrivate: false },
    );
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.map((e) => e.path)).toEqual(["hub.mode", "hub.topic", "hub.callback", "hub.lease_seconds", "hub.secret"]);
  });
  it("accepts a secret of 199 bytes, not 200", () => {
    expect(parseSubscriberRequest(form({ ...base, "hub.secret": "x".repeat(199) }), { origin: ORIGIN, allowPrivate: false }).ok).toBe(true);
    expect(parseSubscriberRequest(form({ ...base, "hub.secret": "x".repeat(200) }), { origin: ORIGIN, allowPrivate: false }).ok).toBe(false);
  });
});

describe("delivery helpers", () => {
  it("signs with HMAC-SHA256 (RFC 4231 test case 2)", async () => {
    const signature = await hubSignature("Jefe", new TextEncoder().encode("what do ya want for nothing?"));
    expect(signature).toBe("sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  });
  it("retries after growing delays, then gives up", () => {
    expect(nextAttemptAt(1, 0)).toBe(30_000);
    expect(nextAttemptAt(4, 0)).toBe(3_600_000);
    expect(nextAttemptAt(5, 0)).toBeNull();
  });
  it("a combination is touched only when every one of its feeds changed", () => {
    expect(touchedBy(["t/a/x", "t/b/y"], new Set(["t/a/x"]))).toBe(false);
    expect(touchedBy(["t/a/x", "t/b/y"], new Set(["t/a/x", "t/b/y", "all"]))).toBe(true);
  });
});
