/**
 * tagfeed as a WebSub hub over real HTTP: a subscriber on a loopback port (node:http, written
 * here, independently of the Worker's code) subscribes to a tag's Atom feed, echoes the hub's
 * challenge, and receives the feed signed with X-Hub-Signature (HMAC-SHA256 checked with
 * node:crypto) within one cron tick (`/__scheduled`) of a webhook article.
 */
import { createHmac, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { e2e, e2eDescribe } from "./support/context";
import { sleep } from "./support/processes";
import { submitSigned } from "./support/webhook";

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

e2eDescribe("websub hub", () => {
  const { baseUrl, webhookSecret } = e2e();
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks) });
      if (req.method === "GET") {
        // §5.3: echo the challenge.
        const challenge = new URL(req.url ?? "/", "http://x").searchParams.get("hub.challenge") ?? "";
        res.writeHead(200, { "content-type": "text/plain" }).end(challenge);
      } else res.writeHead(204).end();
    });
  });
  let callback = "";
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    callback = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = probe();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(250);
    }
  }

  it("delivers a signed notification within one cron tick of a webhook article", async () => {
    const name = `websub-e2e-${randomBytes(4).toString("hex")}`;
    const article = (title: string) => ({ id: `e2e-${name}-${randomBytes(3).toString("hex")}`, title, published: new Date().toISOString(), content_html: "<p>WebSub</p>", tags: [{ type: "topic", name }] });
    expect((await submitSigned(baseUrl, webhookSecret, article("Первая"))).status).toBe(201);
    const topic = `${baseUrl}/feeds/topic/${name}.atom`;
    const feed = await fetch(topic);
    expect(feed.headers.get("link")).toContain(`<${baseUrl}/hub>; rel="hub"`);

    const secret = randomBytes(16).toString("hex");
    const subscribe = await fetch(`${baseUrl}/hub`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ "hub.mode": "subscribe", "hub.topic": topic, "hub.callback": callback, "hub.secret": secret }).toString(),
    });
    expect(subscribe.status).toBe(202);
    const verification = await waitFor(() => received.find((r) => r.method === "GET"), "the verification of intent");
    expect(new URL(verification.url, "http://x").searchParams.get("hub.topic")).toBe(topic);
    await sleep(1000); // the hub records the subscription once the echo is in

    const title = `Новость для подписчика ${name}`;
    expect((await submitSigned(baseUrl, webhookSecret, article(title))).status).toBe(201);
    expect((await fetch(`${baseUrl}/__scheduled?cron=${encodeURIComponent("*/10 * * * *")}`)).status).toBe(200);
    const delivery = await waitFor(() => received.find((r) => r.method === "POST" && r.body.toString("utf8").includes(title)), "the signed delivery");
    expect(delivery.headers["content-type"]).toMatch(/^application\/atom\+xml/);
    expect(delivery.headers.link).toContain(`<${topic}>; rel="self"`);
    expect(delivery.headers["x-hub-signature"]).toBe(`sha256=${createHmac("sha256", secret).update(delivery.body).digest("hex")}`);
  });
});
