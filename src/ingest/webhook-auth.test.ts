import { describe, expect, it } from "vitest";
import { authenticateSubmission, encodeBase64, importWebhookSecrets, signWebhook, verifyWebhook } from "./webhook-auth";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OLD_SECRET = "whsec_" + encodeBase64(new TextEncoder().encode("the previous secret, 32 bytes.."));
const NOW = 1_700_000_000;
const body = new TextEncoder().encode('{"title":"Алматы"}');

async function keys(raw: string): Promise<CryptoKey[]> {
  const imported = await importWebhookSecrets(raw);
  if (!imported.ok) throw new Error(imported.error);
  return imported.value;
}

async function headersFor(secret: string, options: { id?: string; timestamp?: number; payload?: Uint8Array } = {}): Promise<Headers> {
  const [key] = await keys(secret);
  const id = options.id ?? "msg_1";
  const timestamp = options.timestamp ?? NOW;
  return new Headers({
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": await signWebhook(key!, id, timestamp, options.payload ?? body),
  });
}

describe("Standard Webhooks verification", () => {
  it("matches the specification's reference signature", async () => {
    // From the Standard Webhooks specification's example (standard-webhooks/spec).
    const [key] = await keys("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    const payload = new TextEncoder().encode('{"test": 2432232314}');
    expect(await signWebhook(key!, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, payload)).toBe(
      "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    );
  });

  it("accepts a valid signature inside the 5 minute window, either side", async () => {
    const secrets = await keys(SECRET);
    for (const skew of [-299, 0, 299]) {
      const result = await verifyWebhook(await headersFor(SECRET, { timestamp: NOW + skew }), body, secrets, NOW);
      expect(result).toEqual({ ok: true, value: { kind: "webhook", webhookId: "msg_1" } });
    }
  });

  it("refuses timestamps outside the window, naming the header", async () => {
    const secrets = await keys(SECRET);
    for (const skew of [-301, 301]) {
      const result = await verifyWebhook(await headersFor(SECRET, { timestamp: NOW + skew }), body, secrets, NOW);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toMatchObject({ reason: "expired", header: "webhook-timestamp" });
    }
  });

  it("refuses a changed body, a changed id and a replayed signature under another id", async () => {
    const secrets = await keys(SECRET);
    const headers = await headersFor(SECRET);
    expect((await verifyWebhook(headers, new TextEncoder().encode('{"title":"x"}'), secrets, NOW)).ok).toBe(false);
    headers.set("webhook-id", "msg_2");
    const result = await verifyWebhook(headers, body, secrets, NOW);
    expect(result.ok ? null : result.error.reason).toBe("mismatch");
  });

  it("accepts any one of several signatures and ignores other versions", async () => {
    const secrets = await keys(SECRET);
    const headers = await headersFor(SECRET);
    headers.set("webhook-signature", `v1a,xyz v1,${"A".repeat(44)} ${headers.get("webhook-signature")}`);
    expect((await verifyWebhook(headers, body, secrets, NOW)).ok).toBe(true);
  });

  it("verifies with either secret during a rotation", async () => {
    const both = await keys(`${SECRET} ${OLD_SECRET}`);
    expect((await verifyWebhook(await headersFor(OLD_SECRET), body, both, NOW)).ok).toBe(true);
    expect((await verifyWebhook(await headersFor(SECRET), body, both, NOW)).ok).toBe(true);
    expect((await verifyWebhook(await headersFor(OLD_SECRET), body, await keys(SECRET), NOW)).ok).toBe(false);
  });

  it("names the missing or malformed header", async () => {
    const secrets = await keys(SECRET);
    const cases: [Record<string, string>, string][] = [
      [{}, "webhook-signature"],
      [{ "webhook-timestamp": String(NOW), "webhook-signature": "v1,abc=" }, "webhook-id"],
      [{ "webhook-id": "m", "webhook-signature": "v1,abc=" }, "webhook-timestamp"],
      [{ "webhook-id": "m", "webhook-timestamp": "soon", "webhook-signature": "v1,abc=" }, "webhook-timestamp"],
      [{ "webhook-id": "m", "webhook-timestamp": String(NOW) }, "webhook-signature"],
      [{ "webhook-id": "m", "webhook-timestamp": String(NOW), "webhook-signature": "v1,!!!" }, "webhook-signature"],
    ];
    for (const [headers, header] of cases) {
      const result = await verifyWebhook(new Headers(headers), body, secrets, NOW);
      expect(result.ok ? "accepted" : result.error.header, JSON.stringify(headers)).toBe(header);
    }
  });

  it("refuses everything when no secret is configured", async () => {
    const result = await verifyWebhook(await headersFor(SECRET), body, [], NOW);
    expect(result.ok ? null : result.error.reason).toBe("not_configured");
  });

  it("rejects secrets that are not whsec_ base64 of at least 16 bytes", async () => {
    expect((await importWebhookSecrets("whsec_short")).ok).toBe(false);
    expect((await importWebhookSecrets("whsec_not base64!")).ok).toBe(false);
    expect(await importWebhookSecrets("")).toEqual({ ok: true, value: [] });
  });
});

describe("admin bearer token", () => {
  it("accepts the exact token and refuses others", async () => {
    const config = { webhookSecrets: [], adminToken: "s3cret-token" };
    const check = (value: string) => authenticateSubmission(new Headers({ authorization: value }), body, config, NOW);
    expect((await check("Bearer s3cret-token")).ok).toBe(true);
    expect((await check("bearer s3cret-token")).ok).toBe(true);
    expect((await check("Bearer s3cret-toke")).ok).toBe(false);
    expect((await check("Bearer s3cret-token2")).ok).toBe(false);
    const basic = await check("Basic abc");
    expect(basic.ok ? null : basic.error.reason).toBe("malformed");
  });

  it("refuses every token when none is configured", async () => {
    const result = await authenticateSubmission(new Headers({ authorization: "Bearer " }), body, { webhookSecrets: [], adminToken: undefined }, NOW);
    expect(result.ok).toBe(false);
  });
});
