import { describe, expect, it } from "vitest";
import { checkCsrf, csrfToken, issueSession, sessionKey, verifySession } from "./session";

const NOW = 1_800_000_000;

describe("console sessions", () => {
  it("verifies a session it issued until it expires", async () => {
    const key = await sessionKey("token-a");
    const { value, session } = await issueSession(key, NOW, 60);
    expect(await verifySession(key, value, NOW + 59)).toEqual({ ok: true, value: session });
    expect(await verifySession(key, value, NOW + 60)).toEqual({ ok: false, error: "expired" });
  });

  it("refuses a cookie signed under another token, edited, or missing", async () => {
    const { value } = await issueSession(await sessionKey("token-a"), NOW);
    const other = await sessionKey("token-b");
    expect(await verifySession(other, value, NOW)).toEqual({ ok: false, error: "bad_signature" });
    const key = await sessionKey("token-a");
    const later = value.replace(/^v1\.(\d+)/, (_, exp: string) => `v1.${Number(exp) + 3600}`);
    expect(await verifySession(key, later, NOW)).toEqual({ ok: false, error: "bad_signature" });
    expect(await verifySession(key, undefined, NOW)).toEqual({ ok: false, error: "missing" });
    expect(await verifySession(key, "v1.x.y.z", NOW)).toEqual({ ok: false, error: "malformed" });
  });

  it("binds the CSRF token to the session", async () => {
    const key = await sessionKey("token-a");
    const a = await issueSession(key, NOW);
    const b = await issueSession(key, NOW);
    const token = await csrfToken(key, a.session);
    expect(await checkCsrf(key, a.session, token)).toBe(true);
    expect(await checkCsrf(key, b.session, token)).toBe(false);
    expect(await checkCsrf(key, a.session, undefined)).toBe(false);
    // The first character, not the last: a base64 string's last character may carry only padding bits.
    expect(await checkCsrf(key, a.session, `${token.startsWith("A") ? "B" : "A"}${token.slice(1)}`)).toBe(false);
  });
});
